//! The logic of `GET /books`: one page of books, sorted
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::svc::ServiceContext;
use crate::types::{ListReq, ListResp};
use rzero::rest::{Context, Error};

pub async fn list_books(
    svc: &ServiceContext,
    ctx: &Context,
    req: ListReq,
) -> Result<ListResp, Error> {
    let _ = ctx;
    let mut books: Vec<_> = svc
        .shelf
        .all()
        .into_iter()
        .filter(|b| req.author.as_ref().is_none_or(|a| &b.author == a))
        .collect();
    // `sort` is one of title|price: the binding refused anything else.
    if req.sort == "price" {
        books.sort_by(|a, b| a.price.total_cmp(&b.price));
    } else {
        books.sort_by(|a, b| a.title.cmp(&b.title));
    }
    let total = books.len() as i64;
    let skip = usize::try_from((req.page - 1) * req.size).unwrap_or(usize::MAX);
    let take = usize::try_from(req.size).unwrap_or(0);
    Ok(ListResp {
        books: books.into_iter().skip(skip).take(take).collect(),
        total,
    })
}
