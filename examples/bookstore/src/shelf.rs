//! The books on sale, kept in memory: this example is about the generated service, not
//! about storage (see the model example for that).

use crate::types::Book;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Why a purchase failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuyError {
    NoSuchBook,
    OutOfStock { left: i32 },
}

pub struct Shelf {
    books: Mutex<BTreeMap<i64, Book>>,
}

impl Shelf {
    /// Every change to the shelf is one insert or one decrement, so a panic elsewhere cannot
    /// leave it half-changed: a poisoned lock is safe to keep using.
    fn books(&self) -> MutexGuard<'_, BTreeMap<i64, Book>> {
        self.books.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn with_classics() -> Self {
        let classics = [
            ("Dream of the Red Chamber", "Cao Xueqin", 45.0, 12),
            ("Journey to the West", "Wu Cheng'en", 38.5, 7),
            ("The Art of War", "Sun Tzu", 19.9, 30),
        ];
        let books = classics
            .into_iter()
            .zip(1..)
            .map(|((title, author, price, stock), id)| {
                let book = Book {
                    id,
                    title: title.to_owned(),
                    author: author.to_owned(),
                    price,
                    tags: vec!["classic".to_owned()],
                    stock,
                };
                (id, book)
            })
            .collect();
        Self {
            books: Mutex::new(books),
        }
    }

    pub fn all(&self) -> Vec<Book> {
        self.books().values().cloned().collect()
    }

    pub fn get(&self, id: i64) -> Option<Book> {
        self.books().get(&id).cloned()
    }

    pub fn add(&self, mut book: Book) -> Book {
        let mut books = self.books();
        book.id = books.keys().next_back().map_or(1, |last| last + 1);
        books.insert(book.id, book.clone());
        book
    }

    /// Puts `quantity` more copies of a book on the shelf; returns the copies there now.
    pub fn restock(&self, id: i64, quantity: i32) -> Option<i32> {
        let mut books = self.books();
        let book = books.get_mut(&id)?;
        book.stock = book.stock.saturating_add(quantity);
        Some(book.stock)
    }

    /// Takes `quantity` copies off the shelf; returns the book and the copies left.
    pub fn take(&self, id: i64, quantity: i32) -> Result<(Book, i32), BuyError> {
        let mut books = self.books();
        let book = books.get_mut(&id).ok_or(BuyError::NoSuchBook)?;
        if book.stock < quantity {
            return Err(BuyError::OutOfStock { left: book.stock });
        }
        book.stock -= quantity;
        Ok((book.clone(), book.stock))
    }
}
