//! The logic of `GET /books/:id`: one book
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::errors::NO_SUCH_BOOK;
use crate::svc::ServiceContext;
use crate::types::{Book, BookReq};
use rzero::rest::{Context, Error};

pub async fn get_book(svc: &ServiceContext, ctx: &Context, req: BookReq) -> Result<Book, Error> {
    let _ = ctx;
    svc.shelf.get(req.id).ok_or_else(|| NO_SUCH_BOOK.into())
}
