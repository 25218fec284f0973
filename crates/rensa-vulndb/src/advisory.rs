//! advisory (being written).
