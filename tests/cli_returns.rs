//! Values returned from another module: a router calls a service that *returns* request data
//! (`return request.args`), or a utility that returns its argument or something built from it
//! (`return value.strip()`, `return f"…{value}"`), and puts the result into a sink. The finding
//! is at the sink in the router and its data path names the function that returned the data.
//! The safe look-alikes stay quiet: a helper that returns a constant or `int(value)`, a service
//! that cleans the file name it returns (for paths only), and a same-named function of a
//! module the router does not import.

mod common;

use common::cli::check_security;

const PYTHON: &[(&str, &str)] = &[
    ("app/__init__.py", ""),
    ("app/routes/__init__.py", ""),
    ("app/api/__init__.py", ""),
    (
        "app/services.py",
        "import flask\nfrom flask import request\nfrom werkzeug.utils import secure_filename\n\n\ndef get_params():\n    return request.args\n\n\ndef get_payload():\n    return flask.request.get_json()\n\n\ndef default_sort():\n    return \"created_at\"\n\n\ndef upload_name():\n    return secure_filename(request.files[\"doc\"].filename)\n",
    ),
    (
        "app/utils.py",
        "def passthrough(value):\n    return value.strip()\n\n\ndef label(value, prefix=\"report\"):\n    return f\"{prefix}-{value}\"\n\n\ndef as_number(value):\n    return int(value)\n\n\ndef constant(value):\n    return \"fixed\"\n",
    ),
    (
        "app/legacy.py",
        "from flask import request\n\n\ndef lookup():\n    return request.args[\"q\"]\n",
    ),
    (
        "app/api/query.py",
        "from app.services import get_params\n\n\ndef term():\n    return get_params()[\"q\"]\n",
    ),
    (
        "app/routes/items.py",
        "import os\nimport sqlite3\nimport subprocess\n\nfrom flask import Blueprint, request\n\nfrom app import services\nfrom app.api import query\nfrom app.utils import as_number, constant, label, passthrough\nfrom ..services import upload_name\n\nbp = Blueprint(\"items\", __name__)\ndb = sqlite3.connect(\"app.db\")\nUPLOADS = \"/srv/uploads\"\n\n\ndef lookup():\n    return \"static\"\n\n\n@bp.get(\"/search\")\ndef search():\n    params = services.get_params()\n    return db.execute(\"SELECT * FROM items WHERE name = '%s'\" % params[\"q\"]).fetchall()\n\n\n@bp.post(\"/run\")\ndef run():\n    data = services.get_payload()\n    subprocess.run(data[\"cmd\"], shell=True)\n    return \"\", 204\n\n\n@bp.get(\"/by-name\")\ndef by_name():\n    name = passthrough(request.args[\"name\"])\n    return db.execute(f\"SELECT * FROM items WHERE name = '{name}'\").fetchall()\n\n\n@bp.get(\"/report\")\ndef report():\n    os.system(\"make \" + label(request.args[\"kind\"]))\n    return \"\", 204\n\n\n@bp.get(\"/term\")\ndef term():\n    return db.execute(\"SELECT * FROM items WHERE tag = '\" + query.term() + \"'\").fetchall()\n\n\n@bp.get(\"/by-id\")\ndef by_id():\n    item = as_number(request.args[\"id\"])\n    return db.execute(\"SELECT * FROM items WHERE id = %s\" % item).fetchall()\n\n\n@bp.get(\"/fixed\")\ndef fixed():\n    kind = constant(request.args[\"kind\"])\n    os.system(\"make \" + kind)\n    return \"\", 204\n\n\n@bp.get(\"/sorted\")\ndef sorted_items():\n    order = services.default_sort()\n    return db.execute(\"SELECT * FROM items ORDER BY \" + order).fetchall()\n\n\n@bp.get(\"/legacy\")\ndef legacy():\n    return db.execute(\"SELECT * FROM items WHERE name = '\" + lookup() + \"'\").fetchall()\n\n\n@bp.post(\"/upload\")\ndef upload():\n    with open(os.path.join(UPLOADS, upload_name())) as f:\n        return f.read()\n",
    ),
];

const JAVASCRIPT: &[(&str, &str)] = &[
    (
        "src/db.js",
        "const { Pool } = require(\"pg\");\nmodule.exports = new Pool();\n",
    ),
    (
        "src/services/params.js",
        "function searchTerm(req) {\n  return req.query.q;\n}\n\nfunction pageSize() {\n  return 20;\n}\n\nmodule.exports = { searchTerm, pageSize };\n",
    ),
    (
        "src/utils.js",
        "exports.trim = (value) => value.trim();\n\nexports.toInt = function (value) {\n  return parseInt(value, 10);\n};\n\nexports.tagged = (value) => {\n  const tag = `tag:${value}`;\n  return tag;\n};\n",
    ),
    (
        "src/slug.js",
        "module.exports = function slug(value) {\n  return value.toLowerCase();\n};\n",
    ),
    (
        "src/routes/items.js",
        "const express = require(\"express\");\nconst db = require(\"../db\");\nconst { searchTerm, pageSize } = require(\"../services/params\");\nconst utils = require(\"../utils\");\nconst slug = require(\"../slug\");\n\nconst router = express.Router();\n\nrouter.get(\"/search\", async (req, res) => {\n  const q = searchTerm(req);\n  res.json(await db.query(\"SELECT * FROM items WHERE name = '\" + q + \"'\"));\n});\n\nrouter.get(\"/trim\", async (req, res) => {\n  const name = utils.trim(req.query.name);\n  res.json(await db.query(`SELECT * FROM items WHERE name = '${name}'`));\n});\n\nrouter.get(\"/slug\", async (req, res) => {\n  res.json(await db.query(\"SELECT * FROM items WHERE slug = '\" + slug(req.query.s) + \"'\"));\n});\n\nrouter.get(\"/by-id\", async (req, res) => {\n  const id = utils.toInt(req.query.id);\n  res.json(await db.query(\"SELECT * FROM items WHERE id = \" + id));\n});\n\nrouter.get(\"/page\", async (req, res) => {\n  res.json(await db.query(\"SELECT * FROM items LIMIT \" + pageSize()));\n});\n\nmodule.exports = router;\n",
    ),
];

/// (path, code, line, message, data path) of each finding of `check --select SEC` over `files`.
fn check(files: &[(&str, &str)]) -> Vec<(String, String, u64, String, String)> {
    check_security(files)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
                f["related"].to_string(),
            )
        })
        .collect()
}

fn places(found: &[(String, String, u64, String, String)]) -> Vec<(&str, &str, u64)> {
    found
        .iter()
        .map(|(p, c, l, _, _)| (p.as_str(), c.as_str(), *l))
        .collect()
}

#[test]
fn python_values_returned_from_other_modules_are_followed() {
    let found = check(PYTHON);
    assert_eq!(
        places(&found),
        [
            // `services.get_params()` returns `request.args`.
            ("app/routes/items.py", "SEC101", 24),
            // `services.get_payload()` returns `flask.request.get_json()`.
            ("app/routes/items.py", "SEC102", 30),
            // `passthrough()` returns its parameter, stripped.
            ("app/routes/items.py", "SEC101", 37),
            // `label()` builds an f-string from its parameter.
            ("app/routes/items.py", "SEC102", 42),
            // `query.term()` returns what `get_params()` of a third module returns.
            ("app/routes/items.py", "SEC101", 48),
        ],
        "{found:#?}"
    );
    let (_, _, _, message, related) = &found[0];
    assert!(
        message.contains("request data `request.args` in `get_params()` (app/services.py)"),
        "{message}"
    );
    assert!(
        related.contains("returned by `get_params()` (app/services.py)"),
        "{related}"
    );
    assert!(
        found[2]
            .4
            .contains("returned by `passthrough()` (app/utils.py)"),
        "{}",
        found[2].4
    );
    assert!(
        found[4].3.contains("in `term()` (app/api/query.py)")
            && found[4]
                .4
                .contains("returned by `term()` (app/api/query.py)"),
        "{:?}",
        found[4]
    );
}

#[test]
fn python_without_the_helpers_modules_their_calls_are_library_calls() {
    // The same router without the modules it imports: nothing to follow, nothing reported.
    let alone: Vec<(&str, &str)> = PYTHON
        .iter()
        .copied()
        .filter(|(p, _)| !matches!(*p, "app/services.py" | "app/utils.py" | "app/api/query.py"))
        .collect();
    assert_eq!(
        places(&check(&alone)),
        [],
        "nothing is known of the helpers"
    );
}

#[test]
fn javascript_values_returned_from_other_modules_are_followed() {
    let found = check(JAVASCRIPT);
    assert_eq!(
        places(&found),
        [
            // `searchTerm(req)` returns `req.query.q`.
            ("src/routes/items.js", "SEC101", 11),
            // `utils.trim()` returns its parameter.
            ("src/routes/items.js", "SEC101", 16),
            // The default export of `slug.js` returns its parameter.
            ("src/routes/items.js", "SEC101", 20),
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .3
            .contains("request data `req.query.q` in `searchTerm()` (src/services/params.js)"),
        "{}",
        found[0].3
    );
    assert!(
        found[1].4.contains("returned by `trim()` (src/utils.js)"),
        "{}",
        found[1].4
    );
    assert!(
        found[2].4.contains("returned by `default()` (src/slug.js)"),
        "{}",
        found[2].4
    );
}

/// NestJS DTO validation across modules (`check` only): a `@Body()` typed with a DTO class of
/// another module whose class-validator decorators rule the sink out (`@IsInt()`, `@IsIn`,
/// `@Matches(/^[a-z0-9-]+$/)`) is clean when `main.ts` sets up a global `ValidationPipe`;
/// `@IsString()` and `@IsEmail()` rule SQL out for nothing, and without the pipe nothing is
/// validated.
#[test]
fn nest_dto_validated_by_a_global_pipe_across_modules() {
    const DTO: &str = "import { IsEmail, IsIn, IsInt, IsString, Matches } from 'class-validator';\n\nexport class SearchNotesDto {\n  @IsInt()\n  limit: number;\n\n  @IsIn(['createdAt', 'title'])\n  sort: string;\n\n  @Matches(/^[a-z0-9-]+$/)\n  tag: string;\n\n  @IsString()\n  text: string;\n\n  @IsEmail()\n  sharedWith: string;\n}\n";
    const CONTROLLER: &str = "import { Body, Controller, Post } from '@nestjs/common';\nimport { DataSource } from 'typeorm';\nimport { SearchNotesDto } from './dto/search-notes.dto';\n\n@Controller('notes')\nexport class NotesController {\n  constructor(private readonly db: DataSource) {}\n\n  @Post('search')\n  search(@Body() dto: SearchNotesDto) {\n    this.db.query(`SELECT * FROM note WHERE tag = '${dto.tag}' ORDER BY \"${dto.sort}\" LIMIT ${dto.limit}`);\n    this.db.query(`SELECT * FROM note WHERE text ILIKE '%${dto.text}%'`);\n    return this.db.query(`SELECT * FROM note WHERE \"sharedWith\" = '${dto.sharedWith}'`);\n  }\n}\n";
    const MAIN: &str = "import { ValidationPipe } from '@nestjs/common';\nimport { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\n\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));\n  await app.listen(3000);\n}\nbootstrap();\n";
    let lines = |findings: &[serde_json::Value]| -> Vec<u64> {
        let mut out: Vec<u64> = findings
            .iter()
            .filter(|f| f["code"] == "SEC101")
            .map(|f| f["start"]["line"].as_u64().unwrap())
            .collect();
        out.sort();
        out
    };
    let with_pipe = check_security(&[
        ("src/main.ts", MAIN),
        ("src/notes/dto/search-notes.dto.ts", DTO),
        ("src/notes/notes.controller.ts", CONTROLLER),
    ]);
    // Lines 12 (`text`, `@IsString()`) and 13 (`sharedWith`, `@IsEmail()`), not 11.
    assert_eq!(lines(&with_pipe), [12, 13], "{with_pipe:#?}");
    let without = check_security(&[
        (
            "src/main.ts",
            &MAIN.replace(
                "  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));\n",
                "",
            ),
        ),
        ("src/notes/dto/search-notes.dto.ts", DTO),
        ("src/notes/notes.controller.ts", CONTROLLER),
    ]);
    assert_eq!(lines(&without), [11, 12, 13], "{without:#?}");
}
