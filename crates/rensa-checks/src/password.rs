//! password checks (being written).
