//! The SQL functions the metrics call beyond DataFusion's own, as data: [`all`] lists them,
//! [`register_all`] adds them to a session, and a Ballista scheduler and its executors are
//! given the same list (see [`crate::cluster`]) so that a plan sent to them resolves every
//! function by name.

use std::sync::Arc;

use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::ScalarUDF;

/// Every function the metrics' SQL may call that DataFusion does not have.
pub fn all() -> Vec<ScalarUDF> {
    let mut out = vec![age_band_udf(), spread_udf()];
    out.extend(designation_udfs());
    out
}

/// Registers [`all`] in `ctx`.
pub fn register_all(ctx: &SessionContext) {
    for udf in all() {
        ctx.register_udf(udf);
    }
}

/// `age_band(year, birth_year)`: the 年齢階級 in `year` of someone born in `birth_year`, by the
/// model's rule ([`model::membership::age_band`]), so SQL and Rust cannot disagree.
fn age_band_udf() -> ScalarUDF {
    use arrow::array::{Array, AsArray, StringArray};
    use arrow::datatypes::{DataType, Int32Type, Int64Type};
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    let fun = |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let (years, births) = (arrays[0].as_primitive::<Int64Type>(), arrays[1].as_primitive::<Int32Type>());
        let bands: StringArray = (0..births.len())
            .map(|i| {
                let year = i32::try_from(years.value(i)).unwrap_or(i32::MAX);
                Some(model::membership::age_band(year, births.is_valid(i).then(|| i64::from(births.value(i)))))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(bands)))
    };
    create_udf("age_band", vec![DataType::Int64, DataType::Int32], DataType::Utf8, Volatility::Immutable, Arc::new(fun))
}

/// `spread(text)`: four lowercase hexadecimal digits of the text's BLAKE3 hash (NULL for NULL) —
/// keys of any form (認定番号 such as `2008-00015`) spread evenly over the ranges of
/// [`crate::derived::split_ranges`], so that work split by key is split evenly.
fn spread_udf() -> ScalarUDF {
    use arrow::array::{Array, StringArray};
    use arrow::datatypes::DataType;
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    let fun = |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let text = arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
        let text = arrow::array::AsArray::as_string::<i32>(&text);
        let out: StringArray = (0..text.len())
            .map(|i| text.is_valid(i).then(|| hex::encode(&blake3::hash(text.value(i).as_bytes()).as_bytes()[..2])))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    };
    create_udf("spread", vec![DataType::Utf8], DataType::Utf8, Volatility::Immutable, Arc::new(fun))
}

/// The model's designation roles as SQL functions of a 類型's label — `covers_area(designation)`
/// (it keeps its area from being 空白), `is_hub`, `is_regional_cancer_hospital` (特例型 included)
/// and `is_prefecture_own` — so that SQL asks the model ([`model::designation::DesignationType`])
/// rather than lists labels typed into the query.
fn designation_udfs() -> Vec<ScalarUDF> {
    use arrow::array::{Array, AsArray, BooleanArray};
    use arrow::datatypes::DataType;
    use datafusion::logical_expr::{ColumnarValue, Volatility, create_udf};
    use model::designation::DesignationType;
    type Role = fn(DesignationType) -> bool;
    let roles: [(&str, Role); 4] = [
        ("covers_area", DesignationType::covers_area),
        ("is_hub", DesignationType::is_hub),
        ("is_regional_cancer_hospital", DesignationType::is_regional_cancer_hospital),
        ("is_prefecture_own", |t| t == DesignationType::PrefectureOwn),
    ];
    roles
        .into_iter()
        .map(|(name, role)| {
            let fun = move |args: &[ColumnarValue]| -> datafusion::error::Result<ColumnarValue> {
                let arrays = ColumnarValue::values_to_arrays(args)?;
                let labels = arrow::compute::cast(&arrays[0], &DataType::Utf8)?;
                let labels = labels.as_string::<i32>();
                let out: BooleanArray = (0..labels.len())
                    .map(|i| labels.is_valid(i).then(|| DesignationType::parse(labels.value(i)).is_some_and(role)))
                    .collect();
                Ok(ColumnarValue::Array(Arc::new(out)))
            };
            create_udf(name, vec![DataType::Utf8], DataType::Boolean, Volatility::Immutable, Arc::new(fun))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn test_no_duplicate_name() {
        let mut names: Vec<String> = super::all().iter().map(|f| f.name().to_string()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n, "two functions share a name");
    }
}
