//! What a handler does with the models it names: reads them (an ORM query) or writes them (save,
//! create, update, delete, add, commit), from the tokens of its code.
//!
//! The map draws a handler's `reads` and `writes` edges from this. It looks at call chains, not
//! at types: `User.objects.filter(…)`, `session.query(User).filter(…).delete()`,
//! `select(User)`, `User.findByIdAndUpdate(…)`, `user = User(…)` then `db.session.add(user)` or
//! `user.save()`, `post = get_object_or_404(Post, …)` then `post.title = …` and a commit. The
//! methods that write are the ones the state-change-on-get rule (ARC202) knows, so the rule and
//! the map agree on what a write is. Strings and comments are skipped; nothing is evaluated.

use std::collections::{BTreeMap, BTreeSet};

use ba_rules::architecture::state_change_on_get::{
    DJANGO_WRITES, JS_MODEL_WRITES, JS_WRITES, SESSION_WRITES,
};

pub(crate) use ba_app::tokens::{identifiers, tokens, Tok};

/// Whether a Python class body gives its view a queryset (`queryset = …`, not `==`, or
/// `def get_queryset`): a Django or REST framework generic view, which stores and deletes its
/// queryset's model on its unsafe methods.
pub(crate) fn has_queryset(code: &str) -> bool {
    let toks = tokens(code, true);
    toks.windows(3).any(|w| {
        w[0] == Tok::Ident("queryset") && w[1] == Tok::Punct(b'=') && w[2] != Tok::Punct(b'=')
    }) || toks
        .windows(2)
        .any(|w| w[0] == Tok::Ident("def") && w[1] == Tok::Ident("get_queryset"))
}

/// Calls that read the model passed to them (`session.query(User)`, `select(User)`,
/// `db.get(User, id)`, `get_object_or_404(Post, pk=pk)`).
const READS_WITH_MODEL_ARGUMENT: &[&str] = &[
    "query",
    "select",
    "get",
    "get_or_404",
    "first_or_404",
    "one_or_404",
    "get_object_or_404",
    "get_list_or_404",
    "scalars",
    "scalar",
    "execute",
    "paginate",
    "count",
    "exists",
];

/// SQLAlchemy statement builders that write (`insert(User)`, `update(User)`, `delete(User)`).
const WRITE_BUILDERS: &[&str] = &["insert", "update", "delete"];

/// Calls after which attributes set on a loaded instance are stored.
const COMMITS: &[&str] = &["commit", "flush", "save", "saveChanges"];

fn is_write(method: &str) -> bool {
    DJANGO_WRITES.contains(&method)
        || SESSION_WRITES.contains(&method)
        || JS_WRITES.contains(&method)
        || JS_MODEL_WRITES.contains(&method)
        || WRITE_BUILDERS.contains(&method)
}

/// One segment of a call chain: `.name`, called (`(…)`) or not, with the token range of its
/// arguments.
struct Seg<'a> {
    name: &'a str,
    args: Option<(usize, usize)>,
}

struct Chain<'a> {
    /// The root and the members after it; the root is `segs[0]`.
    segs: Vec<Seg<'a>>,
    /// The variable the chain is assigned to (`x = …`, `const x = await …`).
    assigned: Option<&'a str>,
}

/// The index just after the bracket that closes the one at `open` (bounded by the tokens).
fn close(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct(b'(' | b'[' | b'{') => depth += 1,
            Tok::Punct(b')' | b']' | b'}') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    toks.len()
}

fn chain_at<'a>(toks: &[Tok<'a>], start: usize) -> Option<Chain<'a>> {
    let Tok::Ident(root) = toks[start] else {
        return None;
    };
    if start > 0 && toks[start - 1] == Tok::Punct(b'.') {
        return None;
    }
    let mut segs = vec![Seg {
        name: root,
        args: None,
    }];
    let mut i = start + 1;
    while i < toks.len() {
        match toks[i] {
            Tok::Punct(b'.') => match toks.get(i + 1) {
                Some(Tok::Ident(name)) => {
                    segs.push(Seg { name, args: None });
                    i += 2;
                }
                _ => break,
            },
            Tok::Punct(b'(') => {
                let end = close(toks, i);
                if let Some(last) = segs.last_mut() {
                    if last.args.is_none() {
                        last.args = Some((i + 1, end.saturating_sub(1)));
                    }
                }
                i = end;
            }
            Tok::Punct(b'[') => i = close(toks, i),
            _ => break,
        }
    }
    // `x = chain`, `x: T = chain`, `const x = await new chain`.
    let mut j = start;
    while j > 0 && matches!(toks[j - 1], Tok::Ident("await" | "new" | "yield")) {
        j -= 1;
    }
    let assigned = (j >= 2
        && toks[j - 1] == Tok::Punct(b'=')
        && !matches!(
            toks[j - 2],
            Tok::Punct(b'=' | b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/')
        ))
    .then(|| match toks[j - 2] {
        Tok::Ident(v) if j < 3 || toks[j - 3] != Tok::Punct(b'.') => Some(v),
        _ => None,
    })
    .flatten()
    // `for post in chain:`, `for (const post of chain)`: each element.
    .or_else(
        || match (j >= 3).then(|| (toks[j - 3], toks[j - 2], toks[j - 1])) {
            Some((Tok::Ident("for"), Tok::Ident(v), Tok::Ident("in")))
            | Some((Tok::Ident("const" | "let" | "var"), Tok::Ident(v), Tok::Ident("of"))) => {
                Some(v)
            }
            _ => None,
        },
    );
    Some(Chain { segs, assigned })
}

/// The names at the top level of an argument list that start an argument (`f(User, id)` →
/// `User`, `id`; `f(x.y)` → `x`; keyword arguments' values too).
fn argument_roots<'a>(toks: &[Tok<'a>], (from, to): (usize, usize)) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut i = from;
    let mut at_start = true;
    while i < to.min(toks.len()) {
        match toks[i] {
            Tok::Punct(b'(' | b'[' | b'{') => {
                i = close(toks, i);
                at_start = false;
                continue;
            }
            Tok::Punct(b',') => at_start = true,
            // `key=value`, `key: value`: the value starts an argument.
            Tok::Punct(b'=' | b':') => at_start = true,
            Tok::Ident("await" | "new") => {}
            Tok::Ident(name) => {
                if at_start {
                    out.push(name);
                }
                at_start = false;
            }
            _ => at_start = false,
        }
        i += 1;
    }
    out
}

/// The ORM models (by name) a handler reads and writes. `orm` holds the names of the models the
/// application model knows as ORM models (not Pydantic schemas).
pub(crate) fn access<'m>(
    code: &str,
    python: bool,
    orm: &BTreeSet<&'m str>,
) -> (BTreeSet<&'m str>, BTreeSet<&'m str>) {
    let toks = tokens(code, python);
    let model = |name: &str| orm.get(name).copied();
    let mut reads = BTreeSet::new();
    let mut writes = BTreeSet::new();
    // Variables holding an instance (or a query) of models.
    let mut bound: BTreeMap<&str, BTreeSet<&'m str>> = BTreeMap::new();
    let mut mutated: BTreeSet<&'m str> = BTreeSet::new();
    let mut committed = false;
    for start in 0..toks.len() {
        // `x.attr = …` on a bound instance (not `==`).
        if let (
            Tok::Ident(v),
            Some(Tok::Punct(b'.')),
            Some(Tok::Ident(_)),
            Some(Tok::Punct(b'=')),
        ) = (
            toks[start],
            toks.get(start + 1),
            toks.get(start + 2),
            toks.get(start + 3),
        ) {
            if toks.get(start + 4) != Some(&Tok::Punct(b'='))
                && (start == 0 || toks[start - 1] != Tok::Punct(b'.'))
            {
                if let Some(ms) = bound.get(v) {
                    mutated.extend(ms.iter().copied());
                }
            }
        }
        // `setattr(x, name, value)` on a bound instance.
        if let (Tok::Ident("setattr"), Some(Tok::Punct(b'(')), Some(Tok::Ident(v))) =
            (toks[start], toks.get(start + 1), toks.get(start + 2))
        {
            if let Some(ms) = bound.get(v) {
                mutated.extend(ms.iter().copied());
            }
        }
        let Some(chain) = chain_at(&toks, start) else {
            continue;
        };
        let calls: Vec<(usize, &str)> = chain
            .segs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.args.is_some())
            .map(|(i, s)| (i, s.name))
            .collect();
        if calls.iter().any(|(_, c)| COMMITS.contains(c)) {
            committed = true;
        }
        let writes_after = |k: usize| calls.iter().any(|&(i, c)| i > k && is_write(c));
        let called_after = |k: usize| calls.iter().any(|&(i, _)| i > k);
        let mut subjects: BTreeSet<&'m str> = BTreeSet::new();
        let root = chain.segs[0].name;
        // The chain starts at a model: a query, a write, or a constructor.
        if let Some(m) = model(root) {
            subjects.insert(m);
            if writes_after(0) {
                writes.insert(m);
            } else if called_after(0) {
                reads.insert(m);
            }
        }
        // The chain starts at an instance: writing it (`user.save()`, `doc.deleteOne()`).
        if let Some(ms) = bound.get(root).cloned() {
            if writes_after(0) {
                writes.extend(ms.iter().copied());
            }
            subjects.extend(ms);
        }
        // Models and instances passed to a call of the chain.
        for &(k, name) in &calls {
            let Some(args) = chain.segs[k].args else {
                continue;
            };
            let write = is_write(name) || writes_after(k);
            let read = READS_WITH_MODEL_ARGUMENT.contains(&name);
            for arg in argument_roots(&toks, args) {
                if let Some(m) = model(arg) {
                    if write {
                        writes.insert(m);
                    } else if read {
                        reads.insert(m);
                    } else {
                        continue;
                    }
                    subjects.insert(m);
                } else if let Some(ms) = bound.get(arg).cloned() {
                    if write {
                        writes.extend(ms.iter().copied());
                    } else if model(name).is_none()
                        && name.starts_with(|c: char| c.is_ascii_uppercase())
                    {
                        // A class wrapping an instance (`PostSerializer(post, data=…)`,
                        // `PostForm(request.POST, instance=post)`): saving it writes the row.
                        subjects.extend(ms);
                    }
                }
            }
        }
        if let Some(v) = chain.assigned {
            if subjects.is_empty() {
                bound.remove(v);
            } else {
                bound.insert(v, subjects);
            }
        }
    }
    if committed {
        writes.extend(mutated);
    }
    (reads, writes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: &str, python: bool) -> (Vec<&'static str>, Vec<&'static str>) {
        let orm: BTreeSet<&'static str> = ["User", "Post", "Order"].into_iter().collect();
        let (r, w) = access(code, python, &orm);
        (r.into_iter().collect(), w.into_iter().collect())
    }

    #[test]
    fn identifiers_skip_strings_and_comments() {
        let code = "def f():\n    # User is not here\n    x = \"Order\"\n    return Item.query.get(1)  # Nope\n";
        let ids = identifiers(code, true);
        assert!(ids.contains("Item"));
        assert!(!ids.contains("User"));
        assert!(!ids.contains("Order"));
        assert!(!ids.contains("Nope"));
        let js = "async (req, res) => { /* User */ const o = `Order ${x}`; await Item.find(); }";
        let ids = identifiers(js, false);
        assert!(ids.contains("Item"));
        assert!(!ids.contains("User"));
        assert!(!ids.contains("Order"));
    }

    #[test]
    fn django_and_sqlalchemy() {
        assert_eq!(
            run(
                "posts = Post.objects.filter(author=u).order_by('-id')",
                true
            ),
            (vec!["Post"], vec![])
        );
        assert_eq!(
            run("Post.objects.create(title=t)", true),
            (vec![], vec!["Post"])
        );
        assert_eq!(
            run("Post.objects.filter(id=1).delete()", true),
            (vec![], vec!["Post"])
        );
        // A loaded instance, changed and saved.
        assert_eq!(
            run(
                "post = get_object_or_404(Post, pk=pk)\npost.title = t\npost.save()",
                true
            ),
            (vec!["Post"], vec!["Post"])
        );
        assert_eq!(
            run(
                "user = User(name=n)\ndb.session.add(user)\ndb.session.commit()",
                true
            ),
            (vec![], vec!["User"])
        );
        assert_eq!(
            run(
                "rows = session.execute(select(User).where(User.id == 1))",
                true
            ),
            (vec!["User"], vec![])
        );
        assert_eq!(
            run("session.query(Order).filter(Order.id == i).delete()", true),
            (vec![], vec!["Order"])
        );
        assert_eq!(
            run("session.execute(insert(Order).values(x=1))", true),
            (vec![], vec!["Order"])
        );
        assert_eq!(run("u = User.query.get(i)", true), (vec!["User"], vec![]));
        // Mentions that neither read nor write.
        assert_eq!(
            run(
                "def f(u: User) -> User:\n    if isinstance(u, Post): pass\n    return User(id=1)",
                true
            ),
            (vec![], vec![])
        );
        // A comparison is not an assignment; a string is not a model.
        assert_eq!(
            run(
                "if u == User.query.first(): print('Post.objects.create()')",
                true
            ),
            (vec!["User"], vec![])
        );
        // Each element of a query, deleted or changed and saved.
        assert_eq!(
            run(
                "for p in Post.objects.filter(draft=True):\n    p.delete()",
                true
            ),
            (vec!["Post"], vec!["Post"])
        );
        assert_eq!(
            run(
                "for (const o of await Order.find({ paid: false })) { o.status = 'x'; await o.save(); }",
                false
            ),
            (vec!["Order"], vec!["Order"])
        );
        assert_eq!(
            run(
                "post = Post.query.get_or_404(i)\nfor k, v in data.items():\n    setattr(post, k, v)\ndb.session.commit()",
                true
            ),
            (vec!["Post"], vec!["Post"])
        );
        assert!(has_queryset(
            "class V(ModelViewSet):\n    def get_queryset(self):\n        return Post.objects.all()"
        ));
        assert!(has_queryset(
            "class V(ListAPIView):\n    queryset = Post.objects.all()"
        ));
        assert!(!has_queryset(
            "class V(APIView):\n    def get(self, r):\n        if queryset == 1: pass"
        ));
        // A serializer or form over a loaded row, saved.
        assert_eq!(
            run(
                "post = get_object_or_404(Post, pk=pk)\ns = PostSerializer(post, data=request.data)\ns.is_valid()\ns.save()",
                true
            ),
            (vec!["Post"], vec!["Post"])
        );
        assert_eq!(
            run(
                "post = Post.objects.get(pk=pk)\nform = PostForm(request.POST, instance=post)\nform.save()",
                true
            ),
            (vec!["Post"], vec!["Post"])
        );
        // A function of a row is not the row.
        assert_eq!(
            run(
                "post = Post.objects.get(pk=pk)\ndata = serialize(post)\ndata.update(x)",
                true
            ),
            (vec!["Post"], vec![])
        );
        // Attributes set with no commit are not stored.
        assert_eq!(
            run("u = User.query.get(1)\nu.name = 'x'", true),
            (vec!["User"], vec![])
        );
    }

    #[test]
    fn mongoose_and_sequelize() {
        assert_eq!(
            run("const users = await User.find({}).limit(10);", false),
            (vec!["User"], vec![])
        );
        assert_eq!(
            run(
                "await User.findByIdAndUpdate(req.params.id, req.body);",
                false
            ),
            (vec![], vec!["User"])
        );
        assert_eq!(
            run("const o = new Order(req.body); await o.save();", false),
            (vec![], vec!["Order"])
        );
        assert_eq!(
            run(
                "const p = await Post.findOne({ where: { id } }); await p?.destroy();",
                false
            ),
            (vec!["Post"], vec!["Post"])
        );
        assert_eq!(
            run("await Post.create({ title });", false),
            (vec![], vec!["Post"])
        );
    }
}
