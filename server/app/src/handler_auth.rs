//! Whether a handler that has no route chain (a GraphQL resolver, a WebSocket handler) checks
//! its caller: its decorators name an authenticating or a public marker, or its code checks the
//! user. Judged on tokens, so the map (which has the text) and the index (at extraction) agree.

use crate::facts::HandlerAuth;
use crate::tokens::identifiers;

/// Names in a handler's code that check the caller (a GraphQL or WebSocket handler has no route
/// chain to carry its auth).
const AUTH_CHECKS: &[&str] = &[
    "is_authenticated",
    "isAuthenticated",
    "IsAuthenticated",
    "login_required",
    "permission_required",
    "has_perm",
    "AuthenticationError",
    "UnauthorizedException",
    "PermissionDenied",
    "verify_jwt_in_request",
];

/// The auth of a resolver or socket handler: its decorators (the text before its name) name an
/// authenticating or a public marker, or its code checks the user.
pub fn handler_auth(
    text: &str,
    full: &std::ops::Range<usize>,
    name_at: usize,
    python: bool,
) -> HandlerAuth {
    let head = text.get(full.start..name_at.max(full.start)).unwrap_or("");
    let body = text.get(full.clone()).unwrap_or("");
    let mut head_names = identifiers(head, python);
    // A JavaScript class's decorators guard its methods (`@UseGuards(GqlAuthGuard)` on a
    // NestJS resolver or gateway).
    if !python {
        head_names.extend(identifiers(class_decorators(text, full.start), false));
    }
    // The keyword is not the permission (`permission_classes=[]` guards nothing).
    head_names.retain(|n| !matches!(*n, "def" | "async" | "permission_classes" | "permissions"));
    if head_names.iter().any(|n| crate::facts::is_public_name(n)) {
        return HandlerAuth::Public;
    }
    if head_names.iter().any(|n| crate::facts::is_auth_name(n))
        || identifiers(body, python)
            .iter()
            .any(|n| AUTH_CHECKS.contains(n))
    {
        return HandlerAuth::Required;
    }
    HandlerAuth::None
}

/// Words of names and string keys in a WebSocket connection handler that identify the caller:
/// a token, a session, a user, credentials (`self.scope["user"]`, `socket.handshake.auth.token`,
/// `websocket.cookies.get("session")`, `def connect(sid, environ, auth)`). Reading any of them is
/// taken as a check: a handler that looks at who is connecting is judged by a person, not here.
const CALLER_WORDS: &[&str] = &[
    "user",
    "users",
    "token",
    "tokens",
    "jwt",
    "auth",
    "authorization",
    "authorize",
    "authenticate",
    "authenticated",
    "session",
    "sessions",
    "sessionid",
    "credential",
    "credentials",
    "cookie",
    "cookies",
    "principal",
    "identity",
    "login",
    "apikey",
    "bearer",
    "passport",
    "signature",
    "password",
    "anonymous",
    "permission",
    "permissions",
    "verify",
    "account",
];

/// The auth of a WebSocket connection handler (or endpoint): `handler_auth`, or its code reads
/// something that identifies the caller (`CALLER_WORDS`, in names and string keys).
pub fn socket_auth(
    text: &str,
    full: &std::ops::Range<usize>,
    name_at: usize,
    python: bool,
) -> HandlerAuth {
    match handler_auth(text, full, name_at, python) {
        HandlerAuth::None => {}
        other => return other,
    }
    let body = text.get(full.clone()).unwrap_or("");
    let identifies = crate::tokens::tokens(body, python)
        .into_iter()
        .any(|t| match t {
            crate::tokens::Tok::Ident(s) | crate::tokens::Tok::Str(s) => names_caller(s),
            crate::tokens::Tok::Punct(_) => false,
        });
    if identifies {
        HandlerAuth::Required
    } else {
        HandlerAuth::None
    }
}

/// Whether a name or string key is about the caller (`scope["user"]`, `handshake.auth`,
/// `getUserFromToken`, `sessionid`).
pub fn names_caller(name: &str) -> bool {
    name.len() < 80
        && crate::classify::words(name)
            .iter()
            .any(|w| CALLER_WORDS.contains(&w.as_str()))
}

/// The decorator lines right above the last `class` declared before `at` (JavaScript and
/// TypeScript: the class a method is in).
fn class_decorators(text: &str, at: usize) -> &str {
    let before = text.get(..at).unwrap_or("");
    let Some(class) = before
        .rmatch_indices("class ")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || !before.as_bytes()[i - 1].is_ascii_alphanumeric())
    else {
        return "";
    };
    let line_start = before[..class].rfind('\n').map_or(0, |i| i + 1);
    let mut start = line_start;
    // Earlier lines while they are decorators.
    while start > 0 {
        let prev = before[..start - 1].rfind('\n').map_or(0, |i| i + 1);
        if !before[prev..start].trim_start().starts_with('@') {
            break;
        }
        start = prev;
    }
    before.get(start.min(line_start)..line_start).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_handlers_that_read_the_caller_check_it() {
        let py = "async def connect(self):\n    if self.scope[\"user\"].is_anonymous:\n        await self.close()\n";
        assert_eq!(
            socket_auth(py, &(0..py.len()), 10, true),
            HandlerAuth::Required
        );
        let open = "async def connect(self):\n    self.room = self.scope[\"url_route\"][\"kwargs\"][\"room\"]\n    await self.accept()\n";
        assert_eq!(
            socket_auth(open, &(0..open.len()), 10, true),
            HandlerAuth::None
        );
        let js = "io.on(\"connection\", (socket) => { const t = socket.handshake.auth.token; })";
        assert_eq!(
            socket_auth(js, &(0..js.len()), 0, false),
            HandlerAuth::Required
        );
        assert!(names_caller("getUserFromToken"));
        assert!(!names_caller("room_name"));
    }

    #[test]
    fn class_decorators_guard_their_methods() {
        let ts = "@Resolver(() => Order)\n@UseGuards(GqlAuthGuard)\nexport class OrdersResolver {\n  @Query(() => [Order])\n  findAll() {}\n}\n";
        let at = ts.find("@Query").unwrap();
        assert_eq!(
            class_decorators(ts, at),
            "@Resolver(() => Order)\n@UseGuards(GqlAuthGuard)\n"
        );
        let name = ts.find("findAll").unwrap();
        let end = ts.find("{}").unwrap() + 2;
        assert_eq!(
            handler_auth(ts, &(at..end), name, false),
            HandlerAuth::Required
        );
        // A public marker wins; a check in the code counts.
        let py = "@strawberry.mutation\ndef login(self, info) -> str:\n    return 'x'\n";
        let name = py.find("login").unwrap();
        assert_eq!(
            handler_auth(py, &(0..py.len()), name, true),
            HandlerAuth::None
        );
        let checked = py.replace(
            "return 'x'",
            "if not info.context.user.is_authenticated:\n        raise PermissionError()",
        );
        let name = checked.find("login").unwrap();
        assert_eq!(
            handler_auth(&checked, &(0..checked.len()), name, true),
            HandlerAuth::Required
        );
    }
}
