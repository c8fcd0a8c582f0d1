use super::Breaker;
use parking_lot::RwLock;
use std::collections::HashMap;

/// Breakers by name, created on first use; a process usually keeps one set.
#[derive(Debug, Default)]
pub struct Breakers {
    by_name: RwLock<HashMap<String, Breaker>>,
}

impl Breakers {
    pub fn new() -> Self {
        Self::default()
    }

    /// The breaker for `name`, the same one every time.
    pub fn get(&self, name: &str) -> Breaker {
        if let Some(b) = self.by_name.read().get(name) {
            return b.clone();
        }
        self.by_name
            .write()
            .entry(name.to_owned())
            .or_insert_with(|| Breaker::new(name))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_breaker_per_name() {
        let all = Breakers::new();
        let a = all.get("GET:///a");
        for _ in 0..100 {
            if let Ok(p) = a.allow() {
                p.reject();
            }
        }
        assert!(all.get("GET:///a").drop_ratio() > 0.0);
        assert_eq!(all.get("GET:///b").drop_ratio(), 0.0);
    }
}
