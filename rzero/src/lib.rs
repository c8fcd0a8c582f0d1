//! rzero: the runtime that `rzctl`-generated services stand on.
