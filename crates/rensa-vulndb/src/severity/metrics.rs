//! The `METRIC:VALUE/METRIC:VALUE` syntax shared by every CVSS version, parsed strictly against a
//! version's table of metrics.

use super::invalid;
use crate::Result;

/// One metric a CVSS version defines.
pub(crate) struct Metric {
    /// The abbreviation written in vectors (`AV`, `Au`, `MSI`, …).
    pub name: &'static str,
    /// The values the metric may take, as written.
    pub values: &'static [&'static str],
    /// Whether every vector must carry it.
    pub mandatory: bool,
}

/// Parses `body` (the vector without its version prefix) against `table`: for every metric of the table,
/// the index of its value in [`Metric::values`], or `None` when absent. `vector` is the whole vector, for
/// error messages.
pub(crate) fn parse(vector: &str, body: &str, table: &[Metric]) -> Result<Vec<Option<usize>>> {
    let mut found: Vec<Option<usize>> = vec![None; table.len()];
    if body.is_empty() {
        return Err(invalid(vector, "no metrics"));
    }
    for component in body.split('/') {
        if component.is_empty() {
            return Err(invalid(vector, "empty metric (doubled or trailing '/')"));
        }
        let Some((name, value)) = component.split_once(':') else {
            return Err(invalid(vector, format!("metric {component:?} has no value")));
        };
        let Some(index) = table.iter().position(|m| m.name == name) else {
            return Err(invalid(vector, format!("unknown metric {name:?}")));
        };
        let metric = &table[index];
        if found[index].is_some() {
            return Err(invalid(vector, format!("duplicate metric {name}")));
        }
        let Some(value_index) = metric.values.iter().position(|v| *v == value) else {
            return Err(invalid(
                vector,
                format!(
                    "invalid value {value:?} for metric {name} (expected one of {})",
                    metric.values.join(", ")
                ),
            ));
        };
        found[index] = Some(value_index);
    }
    let missing: Vec<&str> = table
        .iter()
        .zip(&found)
        .filter(|(m, v)| m.mandatory && v.is_none())
        .map(|(m, _)| m.name)
        .collect();
    if !missing.is_empty() {
        let plural = if missing.len() == 1 { "" } else { "s" };
        return Err(invalid(
            vector,
            format!("missing mandatory metric{plural} {}", missing.join(", ")),
        ));
    }
    Ok(found)
}

/// The value of metric `name` as written, or `default` when the vector does not carry it.
pub(crate) fn value(
    table: &[Metric],
    found: &[Option<usize>],
    name: &str,
    default: &'static str,
) -> &'static str {
    table
        .iter()
        .zip(found)
        .find(|(m, _)| m.name == name)
        .and_then(|(m, v)| v.map(|i| m.values[i]))
        .unwrap_or(default)
}
