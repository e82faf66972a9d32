"""`twin.paths.sha256_file`: a file's content hash, read once per process while the file is unchanged."""

from __future__ import annotations

import hashlib
import os

from twin.paths import sha256_file


def test_a_file_is_hashed_by_its_content_and_again_when_it_changes(tmp_path):
    path = tmp_path / "dem.tif"
    path.write_bytes(b"first")
    assert sha256_file(path) == hashlib.sha256(b"first").hexdigest()
    path.write_bytes(b"second, longer")  # another size
    assert sha256_file(path) == hashlib.sha256(b"second, longer").hexdigest()
    stat = os.stat(path)
    path.write_bytes(b"third, longer!")  # the same size, another modification time
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert sha256_file(path) == hashlib.sha256(b"third, longer!").hexdigest()


def test_an_unchanged_file_is_not_read_again_in_the_same_process(tmp_path):
    """Size, modification time and inode are what says "unchanged" (as make and rsync take them): a content
    swapped under the same three is not seen, which shows the second call did not read the file."""
    path = tmp_path / "buildings.gpkg"
    path.write_bytes(b"aaaa")
    first = sha256_file(path)
    stat = os.stat(path)
    with open(path, "r+b") as f:  # same inode, same size
        f.write(b"bbbb")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert sha256_file(path) == first
    assert sha256_file(path.parent / "." / path.name) == first  # the same file by another spelling
