//! Request data followed through more than one module, as a real project moves it: a router
//! hands it to a service, the service to a repository, the repository to a storage helper that
//! opens the file. The finding is at the sink and names every hop; the safe look-alikes (a
//! repository that reduces the name to its base name, a service that passes a constant on)
//! stay quiet, and two services calling each other do not keep the pass going.

mod common;

use common::cli::check_security;

const PYTHON: &[(&str, &str)] = &[
    (
        "shop/__init__.py",
        "",
    ),
    (
        "shop/repositories/__init__.py",
        "",
    ),
    (
        "shop/repositories/reports.py",
        "import os\n\nfrom shop.storage import files\n\nREPORTS = \"/srv/reports\"\n\n\ndef load(title):\n    return files.read_text(os.path.join(REPORTS, title + \".txt\"))\n\n\ndef load_archived(title):\n    safe = os.path.basename(title)\n    return files.read_archived(os.path.join(REPORTS, \"archive\", safe))\n\n\ndef load_cover(kind):\n    return files.read_cover(os.path.join(REPORTS, \"covers\", kind))\n",
    ),
    (
        "shop/routers/__init__.py",
        "",
    ),
    (
        "shop/routers/reports.py",
        "from flask import Blueprint, request\n\nfrom shop.services import reports as report_service\n\nbp = Blueprint(\"reports\", __name__, url_prefix=\"/reports\")\n\n\n@bp.get(\"/download\")\ndef download():\n    name = request.args.get(\"name\", \"summary\")\n    return report_service.render(name)\n\n\n@bp.get(\"/archive\")\ndef archive():\n    return report_service.render_archived(request.args.get(\"name\", \"summary\"))\n\n\n@bp.get(\"/cover\")\ndef cover():\n    return report_service.cover(request.args.get(\"name\", \"summary\"))\n",
    ),
    (
        "shop/services/__init__.py",
        "",
    ),
    (
        "shop/services/audit.py",
        "from shop.services import reports\n\nSEEN = set()\n\n\ndef record(event):\n    if event not in SEEN:\n        SEEN.add(event)\n        reports.render(event)\n",
    ),
    (
        "shop/services/reports.py",
        "from shop.repositories import reports as report_repository\nfrom shop.services import audit\n\n\ndef render(name):\n    audit.record(name)\n    title = name.strip()\n    return report_repository.load(title)\n\n\ndef render_archived(name):\n    return report_repository.load_archived(name)\n\n\ndef cover(name):\n    audit.record(name)\n    return report_repository.load_cover(\"default\")\n",
    ),
    (
        "shop/storage/__init__.py",
        "",
    ),
    (
        "shop/storage/files.py",
        "def read_text(path):\n    with open(path) as f:\n        return f.read()\n\n\ndef read_archived(path):\n    with open(path) as f:\n        return f.read()\n\n\ndef read_cover(path):\n    with open(path, \"rb\") as f:\n        return f.read()\n",
    ),
];

const JAVASCRIPT: &[(&str, &str)] = &[
    (
        "src/repositories/reports.js",
        "const path = require(\"path\");\nconst files = require(\"../storage/files\");\n\nconst REPORTS = \"/srv/reports\";\n\nfunction load(title) {\n  return files.readText(path.join(REPORTS, title + \".txt\"));\n}\n\nfunction loadCover(kind) {\n  return files.readCover(path.join(REPORTS, \"covers\", kind));\n}\n\nmodule.exports = { load, loadCover };\n",
    ),
    (
        "src/routes/reports.js",
        "const express = require(\"express\");\nconst reports = require(\"../services/reports\");\n\nconst router = express.Router();\n\nrouter.get(\"/download\", async (req, res, next) => {\n  try {\n    res.send(await reports.render(req.query.name));\n  } catch (err) {\n    next(err);\n  }\n});\n\nrouter.get(\"/cover\", async (req, res, next) => {\n  try {\n    res.send(await reports.cover(req.query.name));\n  } catch (err) {\n    next(err);\n  }\n});\n\nmodule.exports = router;\n",
    ),
    (
        "src/services/reports.js",
        "const repository = require(\"../repositories/reports\");\n\nclass ReportService {\n  async render(name) {\n    const title = name.trim();\n    return repository.load(title);\n  }\n\n  async cover(name) {\n    return repository.loadCover(\"default\");\n  }\n}\n\nmodule.exports = new ReportService();\n",
    ),
    (
        "src/storage/files.js",
        "const fs = require(\"fs\");\n\nfunction readText(file) {\n  return fs.readFileSync(file, \"utf8\");\n}\n\nfunction readCover(file) {\n  return fs.readFileSync(file);\n}\n\nmodule.exports = { readText, readCover };\n",
    ),
];

/// (path, code, line) of each finding `check` returned.
fn places(found: &[(String, String, u64, String)]) -> Vec<(&str, &str, u64)> {
    found
        .iter()
        .map(|(p, c, l, _)| (p.as_str(), c.as_str(), *l))
        .collect()
}

/// (path, code, line, message) of each finding of `check --select SEC` over `files`.
fn check(files: &[(&str, &str)]) -> Vec<(String, String, u64, String)> {
    check_security(files)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
                f["start"]["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn python_request_data_is_followed_through_four_modules() {
    let found = check(PYTHON);
    let places = places(&found);
    // Only `read_text`: `read_archived` gets base names, `read_cover` a constant.
    assert_eq!(
        places,
        [("shop/storage/files.py", "SEC302", 2)],
        "{found:#?}"
    );
    assert!(
        found[0].3.contains(
            "from request data `request.args.get(\"name\", \"summary\")` via `name` passed to `render()` by `download()` (shop/routers/reports.py), then via `title` passed to `load()` by `render()` (shop/services/reports.py), then passed to `read_text()` by `load()` (shop/repositories/reports.py)"
        ),
        "{}",
        found[0].3
    );
}

#[test]
fn python_without_the_chain_nothing_is_reported() {
    // The storage helper alone: a parameter opened is not request data.
    let alone: Vec<(&str, &str)> = PYTHON
        .iter()
        .copied()
        .filter(|(p, _)| !p.starts_with("shop/routers/"))
        .collect();
    assert!(check(&alone).is_empty());
}

#[test]
fn javascript_request_data_is_followed_through_a_service_class() {
    let found = check(JAVASCRIPT);
    let places = places(&found);
    assert_eq!(
        places,
        [("src/storage/files.js", "SEC302", 4)],
        "{found:#?}"
    );
    assert!(
        found[0].3.contains(
            "from request data `req.query.name` passed to `render()` by the `GET /download` handler (src/routes/reports.js), then via `title` passed to `load()` by `render()` (src/services/reports.js), then passed to `readText()` by `load()` (src/repositories/reports.js)"
        ),
        "{}",
        found[0].3
    );
}

/// FastAPI hands request data to typed handler parameters: a router module that never says
/// "request" still passes it on.
#[test]
fn a_fastapi_router_passes_its_parameters_on() {
    let files: &[(&str, &str)] = &[
        ("api/__init__.py", ""),
        ("api/routers/__init__.py", ""),
        ("api/services/__init__.py", ""),
        (
            "api/routers/exports.py",
            "from fastapi import APIRouter\n\nfrom api.services import exports\n\nrouter = APIRouter(prefix=\"/exports\")\n\n\n@router.get(\"/{name}\")\ndef download(name: str):\n    return exports.read_export(name)\n\n\n@router.get(\"/by-id/{export_id}\")\ndef by_id(export_id: int):\n    return exports.read_export(str(export_id))\n",
        ),
        (
            "api/services/exports.py",
            "import os\n\nEXPORTS = \"/srv/exports\"\n\n\ndef read_export(name):\n    with open(os.path.join(EXPORTS, name)) as f:\n        return f.read()\n",
        ),
    ];
    let found = check(files);
    let places = places(&found);
    assert_eq!(
        places,
        [("api/services/exports.py", "SEC302", 7)],
        "{found:#?}"
    );
    assert!(
        found[0]
            .3
            .contains("request parameter `name` passed to `read_export()` by `download()` (api/routers/exports.py)"),
        "{}",
        found[0].3
    );
}

/// Request data that goes through an imported helper's result on its way into another module's
/// function: the router builds the SQL with a filter helper of the service module and hands it
/// to the service's query runner. The runner is reported, naming the helper; a helper that
/// casts to `int` cleans the value and stays quiet.
#[test]
fn request_data_through_an_imported_helper_into_another_module() {
    let files: &[(&str, &str)] = &[
        ("app/__init__.py", ""),
        ("app/routers/__init__.py", ""),
        ("app/services/__init__.py", ""),
        (
            "app/services/db.py",
            "import sqlite3\n\n\ndef build_filter(field, value):\n    return f\"{field} = '{value}'\"\n\n\ndef page_clause(page):\n    return f\"LIMIT 20 OFFSET {int(page) * 20}\"\n\n\ndef run_query(sql):\n    conn = sqlite3.connect(\"app.db\")\n    return conn.execute(sql).fetchall()\n\n\ndef run_listing(sql):\n    conn = sqlite3.connect(\"app.db\")\n    return conn.execute(sql).fetchall()\n",
        ),
        (
            "app/routers/items.py",
            "from fastapi import APIRouter\n\nfrom app.services.db import build_filter, page_clause, run_listing, run_query\n\nrouter = APIRouter(prefix=\"/items\")\n\n\n@router.get(\"/\")\ndef list_items(field: str, value: str):\n    return run_query(\"SELECT * FROM items WHERE \" + build_filter(field, value))\n\n\n@router.get(\"/pages\")\ndef pages(page: str):\n    return run_listing(\"SELECT * FROM items \" + page_clause(page))\n",
        ),
    ];
    let found = check(files);
    let places = places(&found);
    assert_eq!(places, [("app/services/db.py", "SEC101", 14)], "{found:#?}");
    assert!(
        found[0].3.contains(
            "request parameter `field` via `build_filter()` passed to `run_query()` by `list_items()` (app/routers/items.py)"
        ),
        "{}",
        found[0].3
    );
}

/// Django's URLconf hands URL parameters to the views by keyword: `<str:…>`, `<…>` and a
/// broad `re_path` group can carry any text, even in a parameter whose name says it is a slug
/// or a number; an `<int:pk>` stays quiet, and so does an `<int:count>` whose name alone would
/// not say it is a number.
#[test]
fn django_urlconf_parameters_reach_the_views() {
    let files: &[(&str, &str)] = &[
        ("blog/__init__.py", ""),
        (
            "blog/urls.py",
            "from django.urls import path, re_path\n\nfrom . import views\n\nurlpatterns = [\n    path(\"tags/<str:slug>/\", views.by_tag),\n    path(\"authors/<name>/\", views.by_author),\n    path(\"posts/<int:pk>/\", views.by_number),\n    re_path(r\"^archive/(?P<month>[^/]+)/$\", views.archive),\n    path(\"top/<int:count>/\", views.top),\n]\n",
        ),
        (
            "blog/views.py",
            "from django.db import connection\nfrom django.http import JsonResponse\n\n\ndef rows(sql):\n    with connection.cursor() as c:\n        c.execute(sql)\n        return c.fetchall()\n\n\ndef by_tag(request, slug):\n    with connection.cursor() as c:\n        c.execute(\"SELECT * FROM posts WHERE tag = '%s'\" % slug)\n        return JsonResponse({\"posts\": c.fetchall()})\n\n\ndef by_author(request, name):\n    with connection.cursor() as c:\n        c.execute(f\"SELECT * FROM posts WHERE author = '{name}'\")\n        return JsonResponse({\"posts\": c.fetchall()})\n\n\ndef by_number(request, pk):\n    with connection.cursor() as c:\n        c.execute(\"SELECT * FROM posts WHERE number = %s\" % pk)\n        return JsonResponse({\"posts\": c.fetchall()})\n\n\ndef archive(request, month):\n    with connection.cursor() as c:\n        c.execute(\"SELECT * FROM posts WHERE month = '%s'\" % month)\n        return JsonResponse({\"posts\": c.fetchall()})\n\n\ndef top(request, count):\n    with connection.cursor() as c:\n        c.execute(\"SELECT * FROM posts ORDER BY score DESC LIMIT %s\" % count)\n        return JsonResponse({\"posts\": c.fetchall()})\n",
        ),
    ];
    let found = check(files);
    let places = places(&found);
    assert_eq!(
        places,
        [
            ("blog/views.py", "SEC101", 13),
            ("blog/views.py", "SEC101", 19),
            ("blog/views.py", "SEC101", 31)
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .3
            .contains("URL parameter `slug` of `tags/<str:slug>/` passed to `by_tag()` by the URLconf (blog/urls.py)"),
        "{}",
        found[0].3
    );
}

/// NestJS: the controller hands its whole `@Body() dto` (a plain class, so any key the client
/// sends) to a service, which copies it onto the entity it loaded. The finding is at the copy,
/// once (not again at `save`, not at the controller's call); picking fields is quiet.
#[test]
fn a_nestjs_dto_copied_onto_an_entity_in_a_service() {
    let files: &[(&str, &str)] = &[
        ("package.json", "{\"dependencies\": {\"@nestjs/common\": \"10\", \"typeorm\": \"0.3\"}}\n"),
        (
            "src/invoices/invoice.dto.ts",
            "export class UpdateInvoiceDto {\n  customer?: string;\n  note?: string;\n}\n",
        ),
        (
            "src/invoices/invoices.controller.ts",
            "import { Body, Controller, Param, ParseIntPipe, Put, Req } from '@nestjs/common';\nimport { InvoicesService } from './invoices.service';\nimport { UpdateInvoiceDto } from './invoice.dto';\n\n@Controller('invoices')\nexport class InvoicesController {\n  constructor(private readonly invoices: InvoicesService) {}\n\n  @Put(':id')\n  update(@Req() req: any, @Param('id', ParseIntPipe) id: number, @Body() dto: UpdateInvoiceDto) {\n    return this.invoices.update(id, req.user.id, dto);\n  }\n\n  @Put(':id/customer')\n  rename(@Req() req: any, @Param('id', ParseIntPipe) id: number, @Body() dto: UpdateInvoiceDto) {\n    return this.invoices.rename(id, req.user.id, dto);\n  }\n}\n",
        ),
        (
            "src/invoices/invoices.service.ts",
            "import { Injectable, NotFoundException } from '@nestjs/common';\nimport { InjectRepository } from '@nestjs/typeorm';\nimport { Repository } from 'typeorm';\nimport { Invoice } from './invoice.entity';\nimport { UpdateInvoiceDto } from './invoice.dto';\n\n@Injectable()\nexport class InvoicesService {\n  constructor(@InjectRepository(Invoice) private readonly repo: Repository<Invoice>) {}\n\n  async update(id: number, ownerId: string, dto: UpdateInvoiceDto) {\n    const invoice = await this.repo.findOneBy({ id, ownerId });\n    if (!invoice) throw new NotFoundException();\n    Object.assign(invoice, dto);\n    return this.repo.save(invoice);\n  }\n\n  async rename(id: number, ownerId: string, dto: UpdateInvoiceDto) {\n    const invoice = await this.repo.findOneBy({ id, ownerId });\n    if (!invoice) throw new NotFoundException();\n    const { customer } = dto;\n    Object.assign(invoice, { customer });\n    return this.repo.save(invoice);\n  }\n}\n",
        ),
    ];
    let found = check(files);
    let places = places(&found);
    assert_eq!(
        places,
        [("src/invoices/invoices.service.ts", "SEC305", 14)],
        "{found:#?}"
    );
    assert!(
        found[0]
            .3
            .contains("request data `@Body() dto` passed to `update()` by `update()`"),
        "{}",
        found[0].3
    );
}

/// With the results cache, a second run over the unchanged tree (every file answered by the
/// cache, so no first analysis hands the cross-module pass its calls and imports) reports the
/// same findings, the chain's included; a change to the handler is seen by the next run.
#[test]
fn a_warm_run_keeps_the_chains_and_sees_a_change() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in PYTHON.iter().chain(JAVASCRIPT) {
        common::cli::write(dir.path(), name, text);
    }
    let args = ["check", "--select", "SEC", "--format", "json", "."];
    let cold = common::cli::run(dir.path(), &args);
    let cold_text = common::cli::stdout(&cold);
    assert!(
        cold_text.contains("shop/storage/files.py") && cold_text.contains("src/storage/files.js"),
        "the chains' findings at the storage helpers: {cold_text}"
    );
    let warm = common::cli::run(dir.path(), &args);
    assert_eq!(common::cli::stdout(&warm), cold_text);
    // The Python handler now passes a constant: its chain's finding goes.
    let router = PYTHON
        .iter()
        .find(|(p, _)| *p == "shop/routers/reports.py")
        .unwrap()
        .1
        .replace(
            "name = request.args.get(\"name\", \"summary\")",
            "name = \"summary\"",
        );
    common::cli::write(dir.path(), "shop/routers/reports.py", &router);
    let changed = common::cli::stdout(&common::cli::run(dir.path(), &args));
    let fresh = common::cli::stdout(&common::cli::run(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--select",
            "SEC",
            "--format",
            "json",
            ".",
        ],
    ));
    assert_eq!(changed, fresh);
    assert_ne!(changed, cold_text);
}
