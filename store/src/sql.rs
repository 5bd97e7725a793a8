//! SQL text the store writes itself: the rule that picks a table's current rows, and the one
//! literal DuckDB takes no parameter for (a file path). Values of a query are parameters.

use crate::schema;

/// The rule that picks a table's current rows: not superseded, the open interval of a
/// history, or every row of a table that is never superseded. The one place it is written.
pub fn current_rule(table: &schema::Table) -> &'static str {
    match table.supersede {
        schema::Supersede::Intervals => "valid_to IS NULL",
        schema::Supersede::Never => "TRUE",
        _ => "superseded_by IS NULL",
    }
}

/// `SELECT {columns} FROM {table}` over the table's current rows (see [`current_rule`]).
pub fn current(table: &schema::Table, columns: &str) -> String {
    format!("SELECT {columns} FROM {} WHERE {}", table.name, current_rule(table))
}

/// A SQL string literal, for the few places DuckDB takes no parameter (a `COPY … TO` or
/// `read_parquet` path): quotes doubled. Values of a query are bound as parameters instead.
pub fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_string_literal_doubles_its_quotes() {
        assert_eq!(string_literal("/tmp/o'brien/x.parquet"), "'/tmp/o''brien/x.parquet'");
        assert_eq!(string_literal("plain"), "'plain'");
    }

    #[test]
    fn current_rows_follow_the_tables_supersession() {
        assert_eq!(current(&schema::AREAS, "area_code"), "SELECT area_code FROM areas WHERE superseded_by IS NULL");
        assert!(current(&schema::MEMBER_HISTORY, "*").ends_with("valid_to IS NULL"));
    }
}
