"""One contract for every Storage backend, then what only S3 does: presigned URLs, multipart, headers.

The S3 backend runs against a real SeaweedFS server over HTTP (see tests/conftest.py), so signatures,
expiry and multipart uploads are checked by a server, not by a mock.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from app.storage import Storage, storage_from_url
from app.storage.local import LocalStorage
from app.storage.s3 import S3Storage, content_disposition, filename_from_disposition

ESCAPING_KEYS = [
    "",
    "../outside",
    "a/../../outside",
    "a/..",
    "..",
    ".",
    "./a",
    "/etc/passwd",
    "a\\..\\b",
    "a//b",
    "a/",
    "a/\x00b",
    ".meta/a.json",
    "x" * 1025,
]


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(request: pytest.FixtureRequest, tmp_path: Any) -> Storage:
    if request.param == "local":
        return LocalStorage(tmp_path / "storage")
    return request.getfixturevalue("s3_storage")


@pytest.fixture
def s3_storage(s3_bucket: str, s3_endpoint: str, s3_credentials: dict[str, str]) -> S3Storage:
    s3 = S3Storage(
        s3_bucket, "assets", endpoint_url=s3_endpoint, session=boto3.session.Session(**s3_credentials)
    )
    s3.ensure_bucket()  # The bucket exists already: this must be a no-op.
    return s3


# --- the contract ---------------------------------------------------------------------------------------


def test_put_then_open_round_trips_bytes(storage: Storage) -> None:
    data = bytes(range(256)) * 10
    storage.put("renders/c1/p1/flyer.pdf", data, content_type="application/pdf")
    assert storage.open("renders/c1/p1/flyer.pdf") == data
    assert storage.exists("renders/c1/p1/flyer.pdf")


def test_storage_works_on_after_closing_its_connections(storage: Storage) -> None:
    storage.put("a.txt", b"before", content_type="text/plain")
    storage.close_connections()  # a forking worker's parent, before each child
    assert storage.open("a.txt") == b"before"
    storage.put("a.txt", b"after", content_type="text/plain")
    storage.close_connections()
    assert storage.open("a.txt") == b"after"


def test_put_replaces_the_whole_object(storage: Storage) -> None:
    storage.put("a.txt", b"first version, long", content_type="text/plain")
    storage.put("a.txt", b"second", content_type="text/csv")
    assert storage.open("a.txt") == b"second"
    assert storage.describe("a.txt")["content_type"] == "text/csv"  # type: ignore[attr-defined]


def test_empty_object_is_an_object(storage: Storage) -> None:
    storage.put("empty", b"", content_type="application/octet-stream")
    assert storage.exists("empty")
    assert storage.open("empty") == b""


def test_missing_key_raises_file_not_found(storage: Storage) -> None:
    assert not storage.exists("nope/missing.pdf")
    with pytest.raises(FileNotFoundError):
        storage.open("nope/missing.pdf")
    with pytest.raises(FileNotFoundError):
        storage.describe("nope/missing.pdf")  # type: ignore[attr-defined]


def test_a_folder_of_keys_is_not_an_object(storage: Storage) -> None:
    storage.put("folder/inside.txt", b"x", content_type="text/plain")
    assert not storage.exists("folder")
    with pytest.raises(FileNotFoundError):
        storage.open("folder")


def test_delete_is_idempotent(storage: Storage) -> None:
    storage.put("gone.txt", b"x", content_type="text/plain")
    storage.delete("gone.txt")
    assert not storage.exists("gone.txt")
    storage.delete("gone.txt")
    storage.delete("never/existed.txt")
    with pytest.raises(FileNotFoundError):
        storage.open("gone.txt")


def test_describe_round_trips_headers_and_size(storage: Storage) -> None:
    metadata = {"campaign": "spring-24", "partner-name": "Müller & Söhne GmbH", "empty": ""}
    storage.put(
        "r/flyer.pdf",
        b"%PDF-1.7 x",
        content_type="application/pdf",
        filename="Flyer – Müller.pdf",
        metadata=metadata,
    )
    assert storage.describe("r/flyer.pdf") == {  # type: ignore[attr-defined]
        "content_type": "application/pdf",
        "filename": "Flyer – Müller.pdf",
        "metadata": metadata,
        "size": 10,
    }


def test_describe_without_filename_or_metadata(storage: Storage) -> None:
    storage.put("plain.bin", b"abc", content_type="image/png")
    assert storage.describe("plain.bin") == {  # type: ignore[attr-defined]
        "content_type": "image/png",
        "filename": None,
        "metadata": {},
        "size": 3,
    }


def test_list_yields_sorted_keys_under_prefix_only(storage: Storage) -> None:
    keys = ["b/2.txt", "a/1.txt", "a/10.txt", "a/sub/x.txt", "ab.txt", "z.txt", "a/é.txt"]
    for key in keys:
        storage.put(key, b"x", content_type="text/plain", filename="x.txt", metadata={"k": "v"})
    assert list(storage.list()) == sorted(keys)
    assert list(storage.list("a/")) == ["a/1.txt", "a/10.txt", "a/sub/x.txt", "a/é.txt"]
    assert list(storage.list("a")) == ["a/1.txt", "a/10.txt", "a/sub/x.txt", "a/é.txt", "ab.txt"]
    assert list(storage.list("a/1")) == ["a/1.txt", "a/10.txt"]
    assert list(storage.list("nothing/")) == []


def test_list_pages_through_many_keys(storage: Storage) -> None:
    keys = [f"many/{i:04d}" for i in range(1010)]  # More than one S3 page (1000 keys).
    if isinstance(storage, S3Storage):
        # Put in parallel: a thousand sequential round trips would dominate the suite's time.
        chunks = [keys[i::8] for i in range(8)]
        threads = [threading.Thread(target=_put_all, args=(storage, chunk)) for chunk in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        _put_all(storage, keys)
    assert list(storage.list("many/")) == keys


def _put_all(storage: Storage, keys: list[str]) -> None:
    for key in keys:
        storage.put(key, b"", content_type="text/plain")


@pytest.mark.parametrize("key", ESCAPING_KEYS, ids=repr)
def test_keys_that_escape_are_refused(storage: Storage, key: str) -> None:
    for call in (
        lambda: storage.put(key, b"x", content_type="text/plain"),
        lambda: storage.open(key),
        lambda: storage.exists(key),
        lambda: storage.delete(key),
        lambda: storage.url_for_download(key),
        lambda: storage.describe(key),  # type: ignore[attr-defined]
    ):
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("prefix", ["../", "/abs", "a/../", "a\\b", ".meta/"], ids=repr)
def test_list_refuses_escaping_prefixes(storage: Storage, prefix: str) -> None:
    with pytest.raises(ValueError):
        list(storage.list(prefix))


@pytest.mark.parametrize("metadata", [{"Upper": "x"}, {"has space": "x"}, {"k": 1}, {"": "x"}], ids=repr)
def test_bad_metadata_is_refused_before_anything_is_stored(storage: Storage, metadata: Any) -> None:
    with pytest.raises(ValueError):
        storage.put("m.txt", b"x", content_type="text/plain", metadata=metadata)
    assert not storage.exists("m.txt")


# --- LocalStorage only -----------------------------------------------------------------------------------


def test_local_writes_files_under_root_and_hides_sidecars(tmp_path: Any) -> None:
    storage = LocalStorage(tmp_path)
    storage.put("a/b.txt", b"hello", content_type="text/plain", filename="b.txt")
    assert (tmp_path / "a" / "b.txt").read_bytes() == b"hello"
    assert (tmp_path / ".meta" / "a" / "b.txt.json").exists()
    assert list(storage.list()) == ["a/b.txt"]
    assert storage.url_for_download("a/b.txt", filename="b.txt") is None
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.txt"]  # No temp file left.


def test_local_refuses_a_symlink_out_of_the_root(tmp_path: Any) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_bytes(b"secret")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    storage = LocalStorage(root)
    with pytest.raises(ValueError):
        storage.open("link/secret")


def test_local_put_is_atomic_for_concurrent_readers(tmp_path: Any) -> None:
    storage = LocalStorage(tmp_path)
    old, new = b"o" * 2_000_000, b"n" * 3_000_000
    storage.put("big", old, content_type="application/octet-stream")
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(storage.open("big")[:1] + bytes([len(storage.open("big")) in (len(old), len(new))]))

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(20):
        storage.put("big", new, content_type="application/octet-stream")
        storage.put("big", old, content_type="application/octet-stream")
    done.set()
    reader.join()
    assert all(s[1] == 1 for s in seen), "a reader saw a partly written object"


@pytest.mark.s3
def test_storage_from_url_picks_the_backend(tmp_path: Any, s3_endpoint: str) -> None:
    assert isinstance(storage_from_url(f"file://{tmp_path}"), LocalStorage)
    s3 = storage_from_url("s3://bucket/some/prefix", endpoint_url=s3_endpoint)
    assert isinstance(s3, S3Storage)
    assert (s3.bucket, s3.prefix, s3.endpoint_url) == ("bucket", "some/prefix/", s3_endpoint)


# --- S3Storage only, against SeaweedFS ------------------------------------------------------------------


def _http_get(url: str) -> tuple[int, bytes, Any]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as err:
        return err.code, err.read(), err.headers


@pytest.mark.s3
def test_presigned_url_downloads_over_http(s3_storage: S3Storage) -> None:
    s3_storage.put("r/flyer.pdf", b"%PDF-1.7 body", content_type="application/pdf")
    url = s3_storage.url_for_download("r/flyer.pdf", filename="Flyer für Müller.pdf", expires_in=60)
    assert url is not None and url.startswith(s3_storage.endpoint_url or "")
    status, body, headers = _http_get(url)
    assert (status, body) == (200, b"%PDF-1.7 body")
    assert headers["Content-Type"] == "application/pdf"
    assert filename_from_disposition(headers["Content-Disposition"]) == "Flyer für Müller.pdf"


@pytest.mark.s3
def test_tampered_presigned_url_is_rejected(s3_storage: S3Storage) -> None:
    s3_storage.put("r/a.pdf", b"a", content_type="application/pdf")
    s3_storage.put("r/b.pdf", b"b", content_type="application/pdf")
    url = s3_storage.url_for_download("r/a.pdf", expires_in=60)
    assert url is not None
    assert _http_get(url)[0] == 200
    assert _http_get(url.replace("/r/a.pdf", "/r/b.pdf"))[0] == 403  # Another object.
    assert _http_get(url.replace("X-Amz-Expires=60", "X-Amz-Expires=6000"))[0] == 403  # A longer life.
    signature = url.rpartition("X-Amz-Signature=")[2]
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert _http_get(url.replace(signature, forged))[0] == 403


@pytest.mark.s3
def test_expired_presigned_url_is_rejected(s3_storage: S3Storage) -> None:
    s3_storage.put("r/a.pdf", b"a", content_type="application/pdf")
    url = s3_storage.url_for_download("r/a.pdf", expires_in=1)
    assert url is not None
    time.sleep(2.1)
    assert _http_get(url)[0] == 403


@pytest.mark.s3
def test_wrong_secret_is_rejected(s3_bucket: str, s3_endpoint: str, s3_credentials: dict[str, str]) -> None:
    wrong = {**s3_credentials, "aws_secret_access_key": "not-the-secret"}
    storage = S3Storage(s3_bucket, endpoint_url=s3_endpoint, session=boto3.session.Session(**wrong))
    with pytest.raises(Exception, match="SignatureDoesNotMatch|AccessDenied"):
        storage.put("x", b"x", content_type="text/plain")


@pytest.mark.s3
@pytest.mark.slow
def test_large_body_goes_multipart(s3_storage: S3Storage) -> None:
    calls: list[str] = []
    s3_storage.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    data = bytes(range(256)) * (20 * 1024 * 1024 // 256)  # 20 MiB
    s3_storage.put("big/video.bin", data, content_type="video/mp4", filename="vidéo.mp4", metadata={"k": "v"})
    assert "CreateMultipartUpload" in calls and calls.count("UploadPart") >= 2 and "PutObject" not in calls
    assert s3_storage.open("big/video.bin") == data
    assert s3_storage.describe("big/video.bin") == {
        "content_type": "video/mp4",
        "filename": "vidéo.mp4",
        "metadata": {"k": "v"},
        "size": len(data),
    }


@pytest.mark.s3
def test_small_body_is_one_put(s3_storage: S3Storage) -> None:
    calls: list[str] = []
    s3_storage.client.meta.events.register("before-call.s3", lambda model, **_: calls.append(model.name))
    s3_storage.put("small", b"x" * 1024, content_type="text/plain")
    assert calls == ["PutObject"]


@pytest.mark.s3
def test_headers_round_trip_via_head_object(s3_storage: S3Storage, s3_client: Any) -> None:
    s3_storage.put(
        "r/flyer.pdf",
        b"%PDF",
        content_type="application/pdf",
        filename="Flyer – Q3.pdf",
        metadata={"campaign": "q3", "partner": "acme"},
    )
    head = s3_client.head_object(Bucket=s3_storage.bucket, Key="assets/r/flyer.pdf")  # The prefix is applied.
    assert head["ContentType"] == "application/pdf"
    assert head["ContentDisposition"] == content_disposition("Flyer – Q3.pdf")
    assert (
        head["ContentDisposition"]
        == "attachment; filename=\"Flyer _ Q3.pdf\"; filename*=UTF-8''Flyer%20%E2%80%93%20Q3.pdf"
    )
    assert head["Metadata"] == {"campaign": "q3", "partner": "acme"}


@pytest.mark.s3
def test_ensure_bucket_creates_a_missing_bucket(
    s3_endpoint: str, s3_credentials: dict[str, str], s3_client: Any
) -> None:
    name = f"ensure-{time.monotonic_ns()}"
    storage = S3Storage(name, endpoint_url=s3_endpoint, session=boto3.session.Session(**s3_credentials))
    storage.ensure_bucket()
    storage.ensure_bucket()
    storage.put("k", b"v", content_type="text/plain")
    assert storage.open("k") == b"v"
    storage.delete("k")
    s3_client.delete_bucket(Bucket=name)


@pytest.mark.s3
def test_s3_endpoint_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, moto_endpoint: str) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "moto")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "moto")
    storage = S3Storage("from-env", "p")
    assert storage.endpoint_url == moto_endpoint
    storage.ensure_bucket()
    storage.put("k", b"v", content_type="text/plain")
    assert list(storage.list()) == ["k"]


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("Müller.pdf", "attachment; filename=\"Muller.pdf\"; filename*=UTF-8''M%C3%BCller.pdf"),
        ('a"b\\c.pdf', "attachment; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%5Cc.pdf"),
        ("日本.pdf", "attachment; filename=\"__.pdf\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf"),
        ("日本", "attachment; filename=\"__\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC"),
    ],
)
def test_content_disposition(filename: str, header: str) -> None:
    assert content_disposition(filename) == header
    assert filename_from_disposition(header) == filename


def test_s3_client_gives_up_on_a_dead_endpoint_in_seconds() -> None:
    # botocore's default is 60 s per connection attempt, three attempts: a job would hang for minutes.
    session = boto3.session.Session(aws_access_key_id="key", aws_secret_access_key="secret")
    client = S3Storage("bucket", endpoint_url="http://127.0.0.1:9", session=session).client
    assert client.meta.config.connect_timeout == 5
    assert client.meta.config.read_timeout == 60
    with pytest.raises(EndpointConnectionError, match="127.0.0.1:9"):
        client.head_bucket(Bucket="bucket")
