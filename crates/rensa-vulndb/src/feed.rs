//! feed (being written).
