use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

#[derive(Debug, PartialEq, Eq)]
pub enum StockError {
    UnknownSku(String),
    Insufficient { sku: String, available: u32 },
    Poisoned,
}

impl fmt::Display for StockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StockError::UnknownSku(sku) => write!(f, "unknown sku {sku}"),
            StockError::Insufficient { sku, available } => {
                write!(f, "only {available} of {sku} left")
            }
            StockError::Poisoned => write!(f, "stock lock poisoned"),
        }
    }
}

impl std::error::Error for StockError {}

pub struct Inventory {
    levels: Mutex<HashMap<String, u32>>,
}

impl Inventory {
    pub fn new(rows: Vec<(String, u32)>) -> Self {
        Inventory { levels: Mutex::new(rows.into_iter().collect()) }
    }

    /// Takes `quantity` items of `sku` out of stock, or explains why it cannot.
    pub fn reserve(&self, sku: &str, quantity: u32) -> Result<u32, StockError> {
        // praxis-ignore: no-unwrap -- a poisoned lock means a panic elsewhere already
        let mut levels = self.levels.lock().map_err(|_| StockError::Poisoned)?;
        let available = levels
            .get_mut(sku)
            .ok_or_else(|| StockError::UnknownSku(sku.to_string()))?;
        if *available < quantity {
            return Err(StockError::Insufficient { sku: sku.to_string(), available: *available });
        }
        *available -= quantity;
        Ok(*available)
    }

    pub fn available(&self, sku: &str) -> u32 {
        // TODO: return a Result once callers can handle a poisoned lock
        *self.levels.lock().unwrap().get(sku).unwrap_or(&0)
    }
}
