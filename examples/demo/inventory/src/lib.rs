//! Stock levels for the demo shop: loaded from a CSV export, reserved at checkout.

mod stock;

pub use stock::{Inventory, StockError};

/// Parses `sku,quantity` lines (with a header line) into pairs.
pub fn parse_csv(text: &str) -> Vec<(String, u32)> {
    let mut rows = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (sku, quantity) = line.split_once(',').unwrap();
        rows.push((sku.trim().to_string(), quantity.trim().parse().unwrap()));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rows_after_the_header() {
        let rows = parse_csv("sku,quantity\nmug,3\ntea,12\n");
        assert_eq!(rows.first().unwrap(), &("mug".to_string(), 3));
        assert_eq!(rows.len(), 2);
    }
}
