//! The logic of `POST /v1/books/:id/buy`: buy copies of a book
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::errors::{NO_SUCH_BOOK, OUT_OF_STOCK};
use crate::shelf::BuyError;
use crate::svc::ServiceContext;
use crate::types::{BuyReq, BuyResp};
use rzero::rest::{Context, Error};

pub async fn buy_book(svc: &ServiceContext, ctx: &Context, req: BuyReq) -> Result<BuyResp, Error> {
    let user: String = ctx.claim("user")?;
    let (book, left) = svc
        .shelf
        .take(req.id, req.quantity)
        .map_err(|err| match err {
            BuyError::NoSuchBook => NO_SUCH_BOOK,
            BuyError::OutOfStock { left } => {
                OUT_OF_STOCK.with_msg(format!("only {left} copies left"))
            }
        })?;
    // The coupon is one of SPRING|SUMMER (the binding refused anything else): 10 % off.
    let discount = if req.coupon.is_some() { 0.9 } else { 1.0 };
    let total = (book.price * f64::from(req.quantity) * discount * 100.0).round() / 100.0;
    let order_id = format!("{user}-{}-{}", book.id, left);
    Ok(BuyResp {
        order_id,
        total,
        left,
    })
}
