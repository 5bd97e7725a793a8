//! Who the booklet is for, and so what it may show: it goes to every member, so every figure
//! in it is suppressed as for the board (small cells `X`, never 0), and only metrics the
//! board may see can be its evidence.

use queries::Audience;

/// The audience the booklet is published for.
pub const AUDIENCE: Audience = Audience::Board;
