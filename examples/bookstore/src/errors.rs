//! The business errors of the bookstore: answered with HTTP 200 and these codes.

use rzero::rest::BizError;

pub const BAD_CREDENTIALS: BizError = BizError::new(1001, "wrong user or password");
pub const NO_SUCH_BOOK: BizError = BizError::new(1002, "no such book");
pub const OUT_OF_STOCK: BizError = BizError::new(1003, "not enough copies left");
