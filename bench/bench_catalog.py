"""Benchmarks of the catalog, each against a bare baseline measured in the same run.

1. Import of a 50,000-row catalog (validate, insert, diff) vs bare openpyxl read-only iteration
   of the same file; peak memory of the import.
2. Search at 100,000 published items (the app's query: published versions only, validity dates,
   ORM objects) vs the bare SQL query with the same predicate and ordering on the item table.
3. Order placement under concurrency (8 threads, POST /api/v1/orders through the WSGI app) vs a
   minimal endpoint doing one insert, called the same way.

    python bench/bench_catalog.py            # SQLite in a temporary directory
    BENCH_ONLY=import python bench/bench_catalog.py   # the import only
    BENCH_DATABASE_URL=postgresql://... python bench/bench_catalog.py
"""
from __future__ import annotations

import io
import os
import pathlib
import statistics
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from decimal import Decimal

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

ROWS, SEARCH_ITEMS, THREADS, ORDERS_PER_THREAD = 50_000, 100_000, 8, 25
WORDS = ["油性ボールペン", "ゲルインクボールペン", "コピー用紙", "クリアファイル", "付箋", "ホッチキス",
         "封筒", "ノート", "マーカー", "消しゴム", "トナー", "USBメモリ", "乾電池", "ガムテープ"]


def catalog_file(rows: int) -> bytes:
    from openpyxl import Workbook
    from stdnum import ean

    from catalog.upload import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("カタログ")
    sheet.append([c.header for c in COLUMNS])
    for i in range(rows):
        jan12 = f"49{i:010d}"
        values = {"sku": f"SKU-{i:06d}", "jan": jan12 + ean.calc_check_digit(jan12),
                  "name": f"{WORDS[i % len(WORDS)]} {i}", "spec": f"規格 {i % 97}", "category": f"分類{i % 20}",
                  "unit": "個", "tax_rate": "10%", "list_price": 200 + i % 50, "contract_price": 100 + i % 40,
                  "tiers": "100:95; 1000:90" if i % 10 == 0 else None, "green": "○" if i % 3 else "×",
                  "min_order_qty": 1, "lead_time_days": 1, "valid_from": "2026-04-01"}
        sheet.append([values.get(c.key) for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def make_app(url: str):
    import flask_migrate

    from procure import create_app
    from procure.seed import seed_all

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "UPLOAD_FOLDER": tempfile.mkdtemp()})
    with app.app_context():
        flask_migrate.upgrade()
        seed_all()
    return app


def bench_import(app, path: pathlib.Path, runs: int = 3) -> dict:
    """The import job as a worker runs it (file read from stored files, both passes, diff) against
    bare openpyxl read-only iteration of the same bytes; medians of `runs` each, one run of each
    measured with tracemalloc for the peak."""
    import io as bytes_io

    from openpyxl import load_workbook
    from sqlalchemy import select

    from catalog import versions
    from catalog.models import CatalogVersion
    from procure import storage
    from procure.extensions import db
    from procure.models import User

    data = path.read_bytes()

    def bare_once():
        book = load_workbook(bytes_io.BytesIO(data), read_only=True)
        rows = sum(1 for _ in book.active.iter_rows(values_only=True))
        book.close()
        return rows

    bare_times = []
    for _ in range(runs):
        start = time.perf_counter()
        count = bare_once()
        bare_times.append(time.perf_counter() - start)

    with app.app_context():
        vendor = db.session.scalar(select(User).filter_by(email="vendor@bunguya.example.jp"))
        file_id = storage.put(data, kind="catalog_upload", file_name=path.name, owner_id=vendor.id)
        db.session.commit()

        def import_once(number: int, trace: bool = False):
            version = CatalogVersion(vendor_id=vendor.vendor_id, number=number, status="uploaded",
                                     file_name=path.name, uploaded_by_id=vendor.id)
            db.session.add(version)
            db.session.commit()
            if trace:
                tracemalloc.start()
            start = time.perf_counter()
            result = versions.import_job(0, lambda *a, **k: None, version.id, file_id)
            db.session.commit()
            elapsed = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] if trace else None
            if trace:
                tracemalloc.stop()
            assert result["items"] == ROWS, result
            return version, elapsed, peak

        _, _, peak = import_once(90, trace=True)
        times = []
        for n in range(runs):
            version, elapsed, _ = import_once(91 + n)
            times.append(elapsed)
        office = db.session.scalar(select(User).filter_by(email="office@example.jp"))
        versions.review(office, version.id, True, __import__("datetime").date(2026, 4, 1), None,
                        __import__("datetime").date(2026, 4, 1))
        db.session.commit()
    bare, full = statistics.median(bare_times), statistics.median(times)
    assert count == ROWS + 1
    return {"rows": ROWS, "bare_s": bare, "import_s": full, "ratio": full / bare, "runs": runs,
            "rows_per_s": ROWS / full, "peak_mib_python": peak / 2**20}


def add_items(app, total: int) -> None:
    """Top up the approved bench version to `total` items with a bulk insert."""
    from sqlalchemy import func, insert, select

    from catalog.diff import fingerprint
    from catalog.models import CatalogItem, CatalogVersion
    from catalog.queries import search_text_for
    from procure.extensions import db

    with app.app_context():
        version = db.session.scalar(select(CatalogVersion).where(CatalogVersion.status == "approved",
                                                                 CatalogVersion.number >= 90))
        have = db.session.scalar(select(func.count()).select_from(CatalogItem).filter_by(version_id=version.id))
        rows = []
        for i in range(have, total):
            name = f"{WORDS[i % len(WORDS)]} 追加{i}"
            row = dict(version_id=version.id, vendor_id=version.vendor_id, sku=f"X-{i:07d}", jan=None,
                       name=name, spec="", category=f"分類{i % 20}", unit="個", tax_rate=Decimal("0.10"),
                       list_price=Decimal(200), contract_price=Decimal(100), tiers=None, green=bool(i % 2),
                       min_order_qty=1, lead_time_days=1, valid_from=__import__("datetime").date(2026, 4, 1),
                       valid_to=None, search_text=search_text_for(f"X-{i:07d}", None, name, "", f"分類{i % 20}"))
            row["fingerprint"] = fingerprint(row)
            rows.append(row)
            if len(rows) == 5000:
                db.session.execute(insert(CatalogItem), rows)
                rows.clear()
        if rows:
            db.session.execute(insert(CatalogItem), rows)
        db.session.commit()


def latency(function, repeat: int = 30) -> float:
    function()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_search(app) -> list[dict]:
    from sqlalchemy import text

    from catalog.queries import search
    from catalog.textsearch import search_key
    from procure.extensions import db
    from procure.formatting import today_in_tokyo

    results = []
    with app.app_context():
        today = today_in_tokyo()
        for label, query, kwargs in [("substring ボールペン", "ぼーるぺん", {}),
                                     ("rare word 追加99999", "追加99999", {}),
                                     ("JAN code", "4900000123452", {}),
                                     ("category + green", "", {"category": "分類3", "green_only": True})]:
            app_query = lambda: db.session.scalars(search(today, query, **kwargs).limit(51)).all()
            key = search_key(query)
            if kwargs:
                bare_sql = text("SELECT id FROM catalog_item WHERE category = :c AND green "
                                "ORDER BY category, name, id LIMIT 51")
                params = {"c": kwargs["category"]}
            else:
                bare_sql = text("SELECT id FROM catalog_item WHERE search_text LIKE :q OR jan = :k "
                                "ORDER BY category, name, id LIMIT 51")
                params = {"q": f"%{key}%", "k": key}
            bare = latency(lambda: db.session.execute(bare_sql, params).all())
            full = latency(app_query)
            results.append({"query": label, "bare_ms": bare * 1000, "app_ms": full * 1000, "ratio": full / bare})
    return results


def bench_orders(app) -> dict:
    from flask import jsonify

    from catalog.order_models import Budget
    from procure.extensions import db
    from procure.jobs import Job
    from procure.permissions import allow
    from procure.models import Role
    from tests.catalog_data import item_id, order_refs

    @app.post("/api/v1/bench-insert")
    @allow(Role.WARD_STAFF)
    def bench_insert():  # the baseline: authenticated, one INSERT, one commit
        db.session.add(Job(kind="bench"))
        db.session.commit()
        return jsonify(ok=True), 201

    from procure.extensions import csrf
    csrf.exempt(bench_insert)
    client = app.test_client()
    token = client.post("/api/v1/tokens", json={"email": "staff@shibuya.example.jp",
                                                "password": "demo-password"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        refs = order_refs("staff@shibuya.example.jp")
        db.session.get(Budget, refs["budget_id"]).amount = Decimal("10000000000")
        db.session.commit()
        # 城南オフィスサプライ's demo catalog (文具屋's was replaced by the bench version)
        body = {**refs, "lines": [{"item_id": item_id("J-PEN-001"), "quantity": 10},
                                  {"item_id": item_id("J-SCS-001"), "quantity": 2}]}

    def run(path, payload):
        errors = []

        def worker():
            local = app.test_client()
            for _ in range(ORDERS_PER_THREAD):
                response = local.post(path, json=payload, headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
                if response.status_code != 201:
                    errors.append(response.get_data(as_text=True)[:200])
        threads = [threading.Thread(target=worker) for _ in range(THREADS)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        assert not errors, errors[:3]
        return THREADS * ORDERS_PER_THREAD / elapsed

    run("/api/v1/bench-insert", {})  # warm up
    bare = run("/api/v1/bench-insert", {})
    orders = run("/api/v1/orders", body)
    return {"threads": THREADS, "bare_per_s": bare, "orders_per_s": orders, "ratio": bare / orders}


def main() -> None:
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="bench_catalog_"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    app = make_app(url)
    path = tmp / "catalog.xlsx"
    path.write_bytes(catalog_file(ROWS))
    print(f"database: {url.split('://')[0]}, file {path.stat().st_size / 2**20:.1f} MiB")
    imp = bench_import(app, path)
    print(f"import {imp['rows']:,} rows (median of {imp['runs']}): {imp['import_s']:.1f} s vs bare openpyxl "
          f"iteration {imp['bare_s']:.2f} s -> ratio {imp['ratio']:.1f}x, {imp['rows_per_s']:,.0f} rows/s, "
          f"peak Python memory {imp['peak_mib_python']:.1f} MiB", flush=True)
    if os.environ.get("BENCH_ONLY") == "import":
        return
    add_items(app, SEARCH_ITEMS)
    for row in bench_search(app):
        print(f"search {SEARCH_ITEMS:,} items, {row['query']}: {row['app_ms']:.1f} ms vs bare SQL "
              f"{row['bare_ms']:.1f} ms -> ratio {row['ratio']:.2f}x")
    orders = bench_orders(app)
    print(f"orders, {orders['threads']} threads: {orders['orders_per_s']:.0f} orders/s vs one-insert endpoint "
          f"{orders['bare_per_s']:.0f} req/s -> ratio {orders['ratio']:.1f}x")


if __name__ == "__main__":
    main()
