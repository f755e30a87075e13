"""S3Storage: objects in an S3 bucket (AWS, or any S3-compatible server such as SeaweedFS).

Keys live under an optional prefix in one bucket. Nothing is created at import; each instance
builds one boto3 client (thread-safe, shared by a worker's jobs). Credentials come from boto3's
usual chain (environment, config files, instance role) unless a Session is passed in.
"""

from __future__ import annotations

import base64
import io
import os
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from app.storage.local import check_key, check_metadata, check_prefix

MULTIPART_THRESHOLD = 8 * 1024 * 1024
"""Bodies of this many bytes or more are uploaded in parts (S3's minimum part size is 5 MiB)."""

DEFAULT_REGION = "us-east-1"
"""The region signed for when none is configured: S3-compatible servers accept it."""

_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_ENCODED_WORD = re.compile(r"=\?utf-8\?b\?([A-Za-z0-9+/=]*)\?=")


CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60


class S3Storage:
    """Store objects in bucket under prefix; downloads go straight to S3 through presigned URLs."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        *,
        session: boto3.session.Session | None = None,
        multipart_threshold: int = MULTIPART_THRESHOLD,
    ) -> None:
        if not bucket:
            raise ValueError("S3Storage: bucket name is empty; STORAGE_URL must be s3://bucket/prefix")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        self.endpoint_url = endpoint_url or os.environ.get("S3_ENDPOINT_URL") or None
        self.multipart_threshold = multipart_threshold
        session = session or boto3.session.Session()
        config = Config(
            signature_version="s3v4",
            retries={"mode": "standard", "max_attempts": 3},
            # botocore waits 60 s for a connection by default: a dead endpoint should fail a job
            # in seconds, so its retry can run; large objects still get a minute per read.
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            # S3-compatible servers on one host name cannot serve bucket.host names.
            s3={"addressing_style": "path"} if self.endpoint_url else {},
        )
        self.client = session.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=session.region_name or DEFAULT_REGION,
            config=config,
        )
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, 5 * 1024 * 1024),
        )

    def __repr__(self) -> str:
        return f"S3Storage({self.bucket!r}, {self.prefix!r}, endpoint_url={self.endpoint_url!r})"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _error_code(exc) not in {"404", "NoSuchBucket", "NotFound"}:
                raise
            try:
                self.client.create_bucket(Bucket=self.bucket)
            except ClientError as exc2:
                if _error_code(exc2) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                    raise

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        filename: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> None:
        """Store bytes under key; S3 replaces whole objects, so readers never see a partial one."""
        extra: dict[str, Any] = {
            "ContentType": content_type,
            "Metadata": {k: _encode_header(v) for k, v in check_metadata(metadata).items()},
        }
        if filename is not None:
            extra["ContentDisposition"] = content_disposition(filename)
        s3_key = self._key(key)
        if len(data) >= self.multipart_threshold:
            self.client.upload_fileobj(
                io.BytesIO(data), self.bucket, s3_key, ExtraArgs=extra, Config=self._transfer
            )
        else:
            self.client.put_object(Bucket=self.bucket, Key=s3_key, Body=bytes(data), **extra)

    def open(self, key: str) -> bytes:
        """Return the bytes under key; FileNotFoundError if there are none."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            raise _not_found_or(exc, key) from None
        with response["Body"] as body:
            data: bytes = body.read()
        return data

    def exists(self, key: str) -> bool:
        """Tell whether key holds an object."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _error_code(exc) in _MISSING_CODES:
                return False
            raise
        return True

    def describe(self, key: str) -> dict[str, Any]:
        """Return {content_type, filename, metadata, size} of key; FileNotFoundError if missing."""
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            raise _not_found_or(exc, key) from None
        return {
            "content_type": head.get("ContentType") or "application/octet-stream",
            "filename": filename_from_disposition(head.get("ContentDisposition")),
            "metadata": {k: _decode_header(v) for k, v in (head.get("Metadata") or {}).items()},
            "size": head["ContentLength"],
        }

    def url_for_download(
        self, key: str, *, filename: str | None = None, content_type: str | None = None, expires_in: int = 300
    ) -> str | None:
        """Return a presigned GET URL valid for expires_in seconds, as an attachment if filename is given.

        content_type is signed into the URL (S3 answers with it), whatever type the object was stored with.
        """
        params = {"Bucket": self.bucket, "Key": self._key(key)}
        if filename is not None:
            params["ResponseContentDisposition"] = content_disposition(filename)
        if content_type is not None:
            params["ResponseContentType"] = content_type
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
        return url

    def delete(self, key: str) -> None:
        """Remove key; no error if it is already gone (S3's DeleteObject is idempotent)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def close_connections(self) -> None:
        # A socket open in a forking worker's parent would be shared with its next child; a child
        # killed mid-request would leave it unusable for the parent. The pool opens new ones.
        self.client._endpoint.http_session.close()

    def list(self, prefix: str = "") -> Iterator[str]:
        """Yield every key that starts with prefix, page by page, in S3's (UTF-8 byte) order."""
        paginator = self.client.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + check_prefix(prefix))
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """Build a Content-Disposition header: an ASCII filename, plus RFC 5987 filename* when needed."""
    # Accents fall away ("é" -> "e"); any other character a quoted header value cannot carry
    # safely becomes "_".
    decomposed = (c for c in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(c))
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\/;%' else "_" for c in decomposed
    )
    fallback = fallback.strip() or "download"
    header = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def filename_from_disposition(header: str | None) -> str | None:
    """Read the filename back from a header built by content_disposition (filename* wins)."""
    if not header:
        return None
    match = re.search(r"filename\*=UTF-8''([^;\s]+)", header, re.IGNORECASE)
    if match:
        return unquote(match.group(1))
    match = re.search(r'filename="([^"]*)"', header)
    return match.group(1) if match else None


def _encode_header(value: str) -> str:
    """S3 metadata travels in HTTP headers: send values a header cannot carry as-is (non-ASCII,
    surrounding spaces, empty, which servers drop) as an RFC 2047 encoded word."""
    if value and value.isascii() and value.isprintable() and value == value.strip():
        return value
    return f"=?utf-8?b?{base64.b64encode(value.encode()).decode()}?="


def _decode_header(value: str) -> str:
    match = _ENCODED_WORD.fullmatch(value)
    return base64.b64decode(match.group(1)).decode() if match else value


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _not_found_or(exc: ClientError, key: str) -> Exception:
    """Turn S3's "no such key" into FileNotFoundError; pass every other error through."""
    if _error_code(exc) in _MISSING_CODES:
        return FileNotFoundError(f"no object under storage key {key!r}")
    error: Exception = exc  # botocore has no type hints; name the type we pass on.
    return error
