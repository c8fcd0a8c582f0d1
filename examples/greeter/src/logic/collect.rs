//! The logic of `/greeter.Greeter/Collect`:
//! Joins the words the caller streams into one sentence.
//!
//! Created by rzctl from greeter.proto; this file is yours: rzctl never overwrites it.

use crate::pb::greeter::{Sentence, Word};
use crate::svc::ServiceContext;
use tonic::{Request, Status, Streaming};

pub async fn collect(
    svc: &ServiceContext,
    request: Request<Streaming<Word>>,
) -> Result<Sentence, Status> {
    let _ = svc;
    let mut words = request.into_inner();
    let mut text = String::new();
    let mut count = 0u32;
    while let Some(word) = words.message().await? {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&word.text);
        count += 1;
    }
    Ok(Sentence { text, words: count })
}
