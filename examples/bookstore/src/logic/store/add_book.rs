//! The logic of `POST /v1/books`: add a book to the shelf
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
use crate::types::{AddReq, Book};
use rzero::rest::{Context, Error};

pub async fn add_book(svc: &ServiceContext, ctx: &Context, req: AddReq) -> Result<Book, Error> {
    let user: String = ctx.claim("user")?;
    tracing::info!(%user, title = %req.title, request_id = req.request_id.as_deref().unwrap_or("-"), "book added");
    Ok(svc.shelf.add(Book {
        id: 0,
        title: req.title,
        author: req.author,
        price: req.price,
        tags: req.tags.unwrap_or_default(),
        stock: req.stock,
    }))
}
