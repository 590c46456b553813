//! ADV001 advisor-finding: one item of an architecture review by the configured model.

use crate::{Category, FixAvailability, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "ADV001",
    name: "advisor-finding",
    category: Category::Advisor,
    severity: Severity::Info,
    cwe: &[],
    owasp: None,
    summary: "The review model flagged this code; read its explanation and decide whether the suggested change applies.",
    docs: DOCS,
    fix: FixAvailability::None,
    classes: crate::classes::EVERY,
    checks: &[],
};

const DOCS: &str = r#"## What it does

Shows one item of an architecture review written by the language model you configured under
`[advisor]` (any OpenAI-compatible endpoint: Ollama, llama.cpp, vLLM, OpenAI). A review runs
only when you ask for it: the code action *Review this endpoint* / *Review this file*, or the
command `backend-architect.review`. Nothing is sent anywhere unless `advisor.enabled = true`.

The request carries the code, the enclosing function or class, the route it serves (method,
path, authentication, dependencies) where we can tell, and the findings the rules already
have, with secrets redacted first: values our secret rules find, high-entropy strings and the
values of `.env` files are replaced by `[REDACTED]` before anything leaves the machine.

## Why is this bad?

It depends on the item: the model explains what it considers wrong (for example a missing
authorisation check, an N+1 query, a transaction that spans a network call) and how severe it
is. A model can be wrong; unlike the other rules, these findings are advice, not proof, and
their severity is the model's own judgement.

## Example

```python
@app.get("/orders/{order_id}")
def get_order(order_id: int, db: Session = Depends(get_db)):
    return db.query(Order).get(order_id)  # any user can read any order
```

## Use instead

```python
@app.get("/orders/{order_id}")
def get_order(order_id: int, user: User = Depends(current_user), db: Session = Depends(get_db)):
    order = db.query(Order).filter_by(id=order_id, owner_id=user.id).first()
    if order is None:
        raise HTTPException(status_code=404)
    return order
```

The full review, with every explanation and suggested change, opens as a Markdown document
(written to your user cache directory, never into the workspace).

## References

- [OpenAI-compatible Chat Completions API](https://platform.openai.com/docs/api-reference/chat)
- [Ollama's OpenAI compatibility](https://github.com/ollama/ollama/blob/main/docs/openai.md)
"#;
