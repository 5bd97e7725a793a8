//! Reading a console statement with a bounded amount of parser work.
//!
//! The SQL parser of DataFusion 54 (sqlparser 0.62) backtracks without memory: after every `.`
//! of a dotted name it parses the rest of the name again speculatively, so 300 bytes such as
//! `SELECT a.a.a…a[e` (20 dots) take seconds and each further dot doubles it (found by
//! `scripts/fuzz console_gate`; fixed upstream in sqlparser 0.63, apache/datafusion-sqlparser-rs
//! #2344 and #2350, which no DataFusion release uses yet). Rather than guess which shapes of
//! text are slow, the console parses with [`Budgeted`]: the generic dialect DataFusion uses,
//! with a counter on the hook the parser calls at the start of every expression
//! (`Dialect::parse_prefix`). Past [`PREFIX_BUDGET`] expressions the hook answers
//! `RecursionLimitExceeded`, the one error sqlparser's backtracking passes on instead of
//! trying the next alternative, and the statement is refused as too complex.
//!
//! Everything else of `SessionContext::sql_with_options` is kept: one statement, planned by
//! the session, checked against the console's [`SQLOptions`].

use std::any::TypeId;
use std::cell::Cell;

use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::execution::context::SQLOptions;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::DFParserBuilder;
use datafusion::sql::sqlparser::ast::Expr;
use datafusion::sql::sqlparser::dialect::{Dialect, GenericDialect};
use datafusion::sql::sqlparser::parser::{Parser, ParserError};

/// Expressions one statement may start, speculative starts included. A console query of the
/// largest size (20,000 bytes) of ordinary SQL starts about 2,600
/// (`the_longest_ordinary_query_is_inside_the_parse_budget`).
pub const PREFIX_BUDGET: u64 = 100_000;

/// The generic dialect with a limit on the parser's work. One per statement.
#[derive(Debug)]
pub struct Budgeted {
    inner: GenericDialect,
    used: Cell<u64>,
    budget: u64,
}

impl Budgeted {
    pub fn new(budget: u64) -> Self {
        Budgeted { inner: GenericDialect, used: Cell::new(0), budget }
    }

    /// Whether the parse was stopped by the budget.
    pub fn exhausted(&self) -> bool {
        self.used.get() > self.budget
    }

    /// Expressions started so far.
    pub fn used(&self) -> u64 {
        self.used.get()
    }
}

/// `fn name(&self) -> bool`, answered by the generic dialect.
macro_rules! forward {
    ($($name:ident,)*) => {
        $(fn $name(&self) -> bool {
            self.inner.$name()
        })*
    };
}

/// Every method [`GenericDialect`] overrides, forwarded to it, so that `Budgeted` parses
/// exactly as the generic dialect (`dialect()` makes the parser's `dialect_of!` checks
/// see the generic dialect); tested on the console's queries in `tests/it/console.rs`.
impl Dialect for Budgeted {
    fn dialect(&self) -> TypeId {
        self.inner.dialect()
    }

    fn parse_prefix(&self, _parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let n = self.used.get().saturating_add(1);
        self.used.set(n);
        (n > self.budget).then_some(Err(ParserError::RecursionLimitExceeded))
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.inner.is_delimited_identifier_start(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        self.inner.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        self.inner.is_identifier_part(ch)
    }

    forward! {
        supports_unicode_string_literal,
        supports_partition_by_after_order_by,
        supports_array_join_syntax,
        supports_group_by_expr,
        supports_group_by_with_modifier,
        supports_left_associative_joins_without_parens,
        supports_connect_by,
        supports_match_recognize,
        supports_pipe_operator,
        supports_start_transaction_modifier,
        supports_window_function_null_treatment_arg,
        supports_dictionary_syntax,
        supports_window_clause_named_window_reference,
        supports_parenthesized_set_variables,
        supports_select_wildcard_except,
        support_map_literal_syntax,
        allow_extract_custom,
        allow_extract_single_quotes,
        supports_extract_comma_syntax,
        supports_create_view_comment_syntax,
        supports_parens_around_table_factor,
        supports_values_as_table_factor,
        supports_create_index_with_clause,
        supports_explain_with_utility_options,
        supports_limit_comma,
        supports_update_order_by,
        supports_from_first_select,
        supports_projection_trailing_commas,
        supports_asc_desc_in_column_definition,
        supports_try_convert,
        supports_bitwise_shift_operators,
        supports_comment_on,
        supports_load_extension,
        supports_named_fn_args_with_assignment_operator,
        supports_struct_literal,
        supports_empty_projections,
        supports_nested_comments,
        supports_multiline_comment_hints,
        supports_user_host_grantee,
        supports_string_escape_constant,
        supports_array_typedef_with_brackets,
        supports_match_against,
        supports_set_names,
        supports_comma_separated_set_assignments,
        supports_filter_during_aggregation,
        supports_select_wildcard_exclude,
        supports_data_type_signed_suffix,
        supports_interval_options,
        supports_quote_delimited_string,
        supports_select_wildcard_replace,
        supports_select_wildcard_ilike,
        supports_select_wildcard_rename,
        supports_optimize_table,
        supports_install,
        supports_detach,
        supports_prewhere,
        supports_with_fill,
        supports_limit_by,
        supports_interpolate,
        supports_settings,
        supports_select_format,
        supports_comment_optimizer_hint,
        supports_constraint_keyword_without_name,
        supports_key_column_option,
        supports_comma_separated_trim,
        supports_cte_without_as,
        supports_select_item_multi_column_alias,
        supports_xml_expressions,
    }
}

/// Why a statement was not planned.
#[derive(Debug)]
pub enum Unplanned {
    /// The parser's work budget ran out.
    TooComplex,
    /// Anything the engine said: a syntax error, an unknown table, a refused statement.
    Engine(DataFusionError),
}

impl From<DataFusionError> for Unplanned {
    fn from(e: DataFusionError) -> Self {
        Unplanned::Engine(e)
    }
}

/// `ctx.sql_with_options(sql, options)`, parsed within [`PREFIX_BUDGET`].
pub async fn plan(ctx: &SessionContext, sql: &str, options: SQLOptions) -> Result<DataFrame, Unplanned> {
    let state = ctx.state();
    let dialect = Budgeted::new(PREFIX_BUDGET);
    let parsed = DFParserBuilder::new(sql)
        .with_dialect(&dialect)
        .with_recursion_limit(state.config_options().sql_parser.recursion_limit)
        .build()
        .and_then(|mut p| p.parse_statements());
    let mut statements = match parsed {
        Err(_) if dialect.exhausted() => return Err(Unplanned::TooComplex),
        other => other?,
    };
    if statements.len() > 1 {
        return Err(DataFusionError::NotImplemented("one statement per query".into()).into());
    }
    let statement = statements
        .pop_front()
        .ok_or_else(|| DataFusionError::Plan("No SQL statements were provided in the query string".into()))?;
    let plan = state.statement_to_plan(statement).await?;
    options.verify_plan(&plan)?;
    Ok(ctx.execute_logical_plan(plan).await?)
}
