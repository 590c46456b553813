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
