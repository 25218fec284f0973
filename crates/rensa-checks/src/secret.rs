//! secret checks (being written).
