//! The logic of `POST /v1/supply/books/:id/restock`: restock a book; supplier_ms simulates how long the supplier takes to confirm
//!
//! Created by rzctl from bookstore.api; this file is yours: rzctl never overwrites it.

use crate::errors::NO_SUCH_BOOK;
use crate::svc::ServiceContext;
use crate::types::{RestockReq, RestockResp};
use rzero::rest::{Context, Error};
use std::time::Duration;

pub async fn restock(
    svc: &ServiceContext,
    ctx: &Context,
    req: RestockReq,
) -> Result<RestockResp, Error> {
    let _ = ctx;
    // A real shop waits for the supplier's confirmation here. The copies go on the shelf
    // only once it came: a request the group's timeout cuts short adds nothing.
    let confirmation = Duration::from_millis(req.supplier_ms.unsigned_abs());
    tokio::time::sleep(confirmation).await;
    let stock = svc
        .shelf
        .restock(req.id, req.quantity)
        .ok_or(NO_SUCH_BOOK)?;
    tracing::info!(book = req.id, supplier = %req.supplier, stock, "restocked");
    Ok(RestockResp {
        id: req.id,
        stock,
        supplier: req.supplier,
    })
}
