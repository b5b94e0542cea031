"""Registry of public parallel corpora: where to find them on disk, how to download and read them.

Checksums: this package was written without internet access. The Multi30k sha256 values are
those of the copies in shared/data, whose gzip headers (original names, dated 2017-12-21)
show they are the files published in the multi30k/dataset repository, and they agree with an
independent public record for the en/de files. The Tatoeba zip is rebuilt by manythings.org
as Tatoeba grows and the IWSLT archive's digest is unknown here, so those are None (not verified).
"""
from __future__ import annotations

import html
import io
import os
import re
import tarfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from seq2seq.data.download import download as fetch_url
from seq2seq.data.pairs import (
    Pair,
    Split,
    decode_lines,
    parse_tsv,
    read_line_pairs,
    read_tsv,
    split_given,
    split_grouped,
    zip_line_pairs,
)
from seq2seq.errors import CorpusMissing, UserError

Progress = Callable[[int, "int | None"], None]
UrlEntry = tuple[str, "str | None", "int | None"]  # (url, sha256 or None, size in bytes or None)

# Beside the project: <repo>/../shared/data, where CI and offline machines keep corpora.
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@dataclass(frozen=True)
class CorpusSpec:
    name: str
    description: str
    license: str
    urls: dict[str, UrlEntry]  # file name in the corpus folder -> where to get it
    languages: tuple[str, ...]


# --- registry ---------------------------------------------------------------------------

TATOEBA_LOCAL_FILES = ("eng-fra.tsv.gz", "eng-fra.tsv", "fra.txt", "fra-eng.zip")

MULTI30K_RAW = "https://github.com/multi30k/dataset/raw/master/data/task1/raw/"
MULTI30K_TOK = "https://github.com/multi30k/dataset/raw/master/data/task1/tok/"
MULTI30K_SPLITS = ("train", "val", "test_2016_flickr", "test_2017_flickr")
MULTI30K_TEST_SETS = ("test_2016_flickr", "test_2017_flickr")
MULTI30K_LANGS = ("en", "fr", "de")
_MULTI30K_KNOWN: dict[str, tuple[str, int]] = {
    "train.en.gz": ("d79cfa999dd4c51d2cb42499b6796d5a882c3a8a961923c25a898c90f8bbd56f", 568929),
    "train.fr.gz": ("622e75069e9f4c577425c4f277116ce66e63a2401c0a2312d90073cb12379a3c", 604242),
    "train.de.gz": ("726e39b2fa9eb9ffb6dc763fb35a179f80fae06ffc5d28b6ace5faa883de28a6", 637044),
    "val.en.gz": ("14f7d25ddd868909a9213e361768460edcacdd6ab9d1e77b92560dc10c10dc28", 21650),
    "val.fr.gz": ("ca3106f1a72390591d25f6c45cb4cd39dec4cd3f123e099748a3ce5256c160e9", 23001),
    "val.de.gz": ("f0cba2f995189cf5770f29a8a9a537a3ad3f51657ad873405082ff6863a5e75a", 24681),
    "test_2016_flickr.en.gz": ("611d361c6334bc7246101d48097c13cf5c4413c5befc793cc629934359d532d9", 21077),
    "test_2016_flickr.fr.gz": ("6d326e188d259fb1d04ac19eae3af956559b3a0b93d7635e56c90987c40c8b90", 22310),
    "test_2016_flickr.de.gz": ("9204244e408ccb38d2a55cfcd344df15005fc42a07a6e55ca6c52b6ababb8cc8", 22890),
}

IWSLT_ARCHIVE = "en-fr.tgz"
IWSLT_VALID = "dev2010"
IWSLT_TEST_SETS = ("tst2010", "tst2011", "tst2012")


def _multi30k_urls() -> dict[str, UrlEntry]:
    urls: dict[str, UrlEntry] = {}
    for split in MULTI30K_SPLITS:
        for lang in MULTI30K_LANGS:
            raw = f"{split}.{lang}.gz"
            sha, size = _MULTI30K_KNOWN.get(raw, (None, None))
            urls[raw] = (MULTI30K_RAW + raw, sha, size)
            tok = f"{split}.lc.norm.tok.{lang}"
            urls[tok] = (MULTI30K_TOK + tok, None, None)
    return urls


CORPORA: dict[str, CorpusSpec] = {
    "tatoeba-en-fr": CorpusSpec(
        name="tatoeba-en-fr",
        description="Tatoeba English-French sentence pairs (manythings.org fra-eng): "
        "short everyday sentences, often several translations per sentence; no official split.",
        license="CC-BY 2.0 (France); attribution: www.manythings.org/anki and tatoeba.org",
        urls={"fra-eng.zip": ("http://www.manythings.org/anki/fra-eng.zip", None, None)},
        languages=("en", "fr"),
    ),
    "multi30k": CorpusSpec(
        name="multi30k",
        description="Multi30k task 1: Flickr30k image descriptions in English, French and German; "
        "official splits train 29,000 / val 1,014 / test_2016_flickr 1,000.",
        license="research use; cite Elliott et al. 2016 (Multi30K) and Elliott et al. 2017 (French)",
        urls=_multi30k_urls(),
        languages=MULTI30K_LANGS,
    ),
    "iwslt2014-en-fr": CorpusSpec(
        name="iwslt2014-en-fr",
        description="IWSLT 2014 English-French TED talk transcripts (WIT3); "
        "valid = dev2010, test = tst2010+tst2011+tst2012.",
        license="CC BY-NC-ND 3.0 (TED); cite Cettolo et al. 2012 (WIT3)",
        urls={IWSLT_ARCHIVE: ("https://wit3.fbk.eu/archive/2014-01/texts/en/fr/en-fr.tgz", None, None)},
        languages=("en", "fr"),
    ),
}


def _spec(name: str) -> CorpusSpec:
    if name not in CORPORA:
        raise UserError(f"unknown corpus '{name}'; choose one of: {', '.join(CORPORA)}")
    return CORPORA[name]


# --- where corpora live -----------------------------------------------------------------

def cache_dir(name: str) -> Path:
    """The project's cache folder <name>: $SEQ2SEQ_CACHE/<name>, by default ~/.cache/seq2seq/<name> (downloaded
    corpora, and `derived` for files computed from a checkpoint)."""
    root = os.environ.get("SEQ2SEQ_CACHE") or Path.home() / ".cache" / "seq2seq"
    return Path(root).expanduser() / name


def _candidate_dirs(name: str, data_dir: str | os.PathLike | None) -> list[Path]:
    """Folders to search, most specific first; a user-given root may hold the corpus
    directly or in a sub-folder named after it."""
    dirs: list[Path] = []
    for root in (data_dir, os.environ.get("SEQ2SEQ_DATA")):
        if root:
            root = Path(root).expanduser()
            dirs += [root / name, root]
    return dirs + [SHARED_DATA / name, cache_dir(name)]


def _marker_files(name: str) -> tuple[str, ...]:
    """Files whose presence shows that a folder holds this corpus."""
    if name == "tatoeba-en-fr":
        return TATOEBA_LOCAL_FILES
    if name == "multi30k":
        return ("train.en.gz", "train.en", "train.fr.gz", "train.fr", "train.de.gz", "train.de")
    return (IWSLT_ARCHIVE, "train.tags.en-fr.en", "en-fr/train.tags.en-fr.en")


def find_data_dir(name: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The first folder that holds corpus `name`: `data_dir`, $SEQ2SEQ_DATA (each as
    <dir>/<name> and <dir>), <repo>/../shared/data/<name>, then the download cache."""
    _spec(name)
    for folder in _candidate_dirs(name, data_dir):
        if any((folder / marker).is_file() for marker in _marker_files(name)):
            return folder
    return None


def _find_file(name: str, filenames: Sequence[str], data_dir) -> Path | None:
    """The first existing file among `filenames` (alternatives) in the candidate folders."""
    for folder in _candidate_dirs(name, data_dir):
        for filename in filenames:
            if (folder / filename).is_file():
                return folder / filename
    return None


def available_corpora(data_dir: str | os.PathLike | None = None) -> list[tuple[str, bool]]:
    """(name, present on this computer) for every registered corpus, for the UI."""
    return [(name, find_data_dir(name, data_dir) is not None) for name in CORPORA]


def _not_found(name: str, missing: Sequence[str], data_dir) -> CorpusMissing:
    folders = tuple(str(d) for d in _candidate_dirs(name, data_dir))
    return CorpusMissing(name, tuple(missing), folders, str(SHARED_DATA / name))


def _fetch(spec: CorpusSpec, filename: str, progress: Progress | None) -> Path:
    url, sha256, _size = spec.urls[filename]
    try:
        return fetch_url(url, cache_dir(spec.name) / filename, sha256, progress)
    except OSError as err:  # Network errors arrive as UserError; these are disk problems.
        raise UserError(
            f"cannot write the download cache {err.filename or cache_dir(spec.name)} ({err.strerror}); "
            "set SEQ2SEQ_CACHE to a writable folder"
        ) from None


def _locate_all(
    spec: CorpusSpec, wanted: Sequence[Sequence[str]], data_dir, download: bool, progress
) -> list[Path]:
    """Find each wanted file (given as alternatives, the first being the downloadable name),
    downloading the missing ones into the cache when allowed."""
    found = [_find_file(spec.name, alternatives, data_dir) for alternatives in wanted]
    missing = [alts[0] for alts, path in zip(wanted, found) if path is None]
    if missing and not download:
        raise _not_found(spec.name, missing, data_dir)
    return [path or _fetch(spec, alts[0], progress) for alts, path in zip(wanted, found)]


# --- loading ----------------------------------------------------------------------------

def _check_languages(spec: CorpusSpec, src_lang: str, tgt_lang: str) -> None:
    if src_lang == tgt_lang or src_lang not in spec.languages or tgt_lang not in spec.languages:
        raise UserError(
            f"corpus '{spec.name}' has languages {', '.join(spec.languages)}; "
            f"pick two different ones (got {src_lang}->{tgt_lang})"
        )


def _swap(pairs: list[Pair]) -> list[Pair]:
    return [Pair(p.target, p.source) for p in pairs]


def load_corpus(
    name: str,
    src_lang: str = "en",
    tgt_lang: str = "fr",
    data_dir: str | os.PathLike | None = None,
    download: bool = False,
    progress: Progress | None = None,
    test_set: str | Sequence[str] | None = None,
    *,
    valid_fraction: float = 0.02,
    test_fraction: float = 0.02,
    seed: int = 1234,
) -> Split:
    """Load a registered corpus as a Split, reading local files or (download=True) fetching
    the missing ones into the cache.

    Tatoeba gets a deterministic split grouped by source sentence (fractions and seed apply);
    Multi30k and IWSLT use their official splits, `test_set` choosing the test file(s):
    Multi30k default "test_2016_flickr"; IWSLT default tst2010+tst2011+tst2012 (a name, a
    "+"-joined string or a list).
    """
    spec = _spec(name)
    _check_languages(spec, src_lang, tgt_lang)
    if name == "tatoeba-en-fr":
        pairs = _read_tatoeba(spec, data_dir, download, progress)
        pairs = pairs if src_lang == "en" else _swap(pairs)
        return split_grouped(pairs, valid_fraction, test_fraction, seed)
    if name == "multi30k":
        return _load_multi30k(spec, src_lang, tgt_lang, data_dir, download, progress, test_set)
    split = _load_iwslt(spec, data_dir, download, progress, test_set)
    if src_lang == "fr":
        split = split_given(_swap(split.train), _swap(split.valid), _swap(split.test))
    return split


def _read_tatoeba(spec: CorpusSpec, data_dir, download: bool, progress) -> list[Pair]:
    path = _find_file(spec.name, TATOEBA_LOCAL_FILES, data_dir)
    if path is None:
        if not download:
            raise _not_found(spec.name, ["fra-eng.zip (or eng-fra.tsv.gz)"], data_dir)
        path = _fetch(spec, "fra-eng.zip", progress)
    if path.suffix != ".zip":
        return read_tsv(path)
    # Read fra.txt straight from the zip: the folder holding it may be read-only.
    try:
        with zipfile.ZipFile(path) as archive, archive.open("fra.txt") as member:
            return parse_tsv(member, f"{path}:fra.txt")
    except (zipfile.BadZipFile, KeyError):
        raise UserError(
            f"{path}: damaged or unexpected zip (no fra.txt); delete it and download again"
        ) from None


def _multi30k_test_set(test_set) -> str:
    chosen = test_set or "test_2016_flickr"
    if not isinstance(chosen, str) or chosen not in MULTI30K_TEST_SETS:
        raise UserError(f"Multi30k test set must be one of {', '.join(MULTI30K_TEST_SETS)} (got {chosen!r})")
    return chosen


def _load_multi30k(spec, src_lang, tgt_lang, data_dir, download, progress, test_set) -> Split:
    splits = ("train", "val", _multi30k_test_set(test_set))
    wanted = [(f"{s}.{lang}.gz", f"{s}.{lang}") for s in splits for lang in (src_lang, tgt_lang)]
    paths = _locate_all(spec, wanted, data_dir, download, progress)
    train, valid, test = (read_line_pairs(paths[2 * i], paths[2 * i + 1]) for i in range(3))
    return split_given(train, valid, test)


def moses_lc_tokenize(lines: Sequence[str], lang: str) -> list[str]:
    """Lowercase, normalise punctuation and Moses-tokenize like Multi30k's
    scripts/task1-tokenize.sh, to build tokenized references when the official ones are absent."""
    from sacremoses import (  # Heavy import, needed rarely.
        MosesPunctNormalizer,
        MosesTokenizer,
    )

    normalizer, tokenizer = MosesPunctNormalizer(lang=lang), MosesTokenizer(lang=lang)
    return [
        tokenizer.tokenize(normalizer.normalize(line.lower()), escape=True, return_str=True)
        for line in lines
    ]


# --- IWSLT 2014 (WIT3 format) -----------------------------------------------------------

# Talk metadata lines (<url>, <talkid>, <title>, <description>, <keywords>, <speaker>, ...)
# sit between sentences in train.tags files, aligned in both languages.
_TAG_LINE = re.compile(r"^\s*</?[A-Za-z][\w-]*(\s[^>]*)?>")
_SEG = re.compile(r"<seg\s+id\s*=\s*\"?\s*(\d+)\s*\"?\s*>(.*?)</seg>", re.S)


def parse_iwslt_train(src: bytes, tgt: bytes, src_name: str, tgt_name: str) -> list[Pair]:
    """Pairs from WIT3 train.tags.* contents, skipping the aligned metadata lines."""
    src_lines = list(decode_lines(io.BytesIO(src), src_name))
    tgt_lines = list(decode_lines(io.BytesIO(tgt), tgt_name))
    if len(src_lines) != len(tgt_lines):
        raise UserError(f"{src_name} has {len(src_lines)} lines but {tgt_name} has {len(tgt_lines)}")
    sources, targets = [], []
    for (lineno, s), (_, t) in zip(src_lines, tgt_lines):
        s_meta, t_meta = bool(_TAG_LINE.match(s)), bool(_TAG_LINE.match(t))
        if s_meta != t_meta:
            raise UserError(
                f"{src_name} / {tgt_name} line {lineno}: metadata on one side only; the files are not aligned"
            )
        if not s_meta:
            sources.append(s)
            targets.append(t)
    return zip_line_pairs(sources, targets, src_name, tgt_name)


def parse_iwslt_xml(data: bytes, name: str) -> list[tuple[str, str]]:
    """(seg id, sentence) for every <seg> in a WIT3 dev/test .xml file, entities unescaped."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        lineno = data.count(b"\n", 0, err.start) + 1
        raise UserError(f"{name} line {lineno}: not UTF-8 text; save the file as UTF-8") from None
    segs = [(seg_id, html.unescape(body).strip()) for seg_id, body in _SEG.findall(text)]
    if not segs:
        raise UserError(f"{name}: no <seg id=...> sentences found; is this a WIT3 .xml file?")
    return segs


def _pair_xml(src: bytes, tgt: bytes, src_name: str, tgt_name: str) -> list[Pair]:
    src_segs, tgt_segs = parse_iwslt_xml(src, src_name), parse_iwslt_xml(tgt, tgt_name)
    if [i for i, _ in src_segs] != [i for i, _ in tgt_segs]:
        raise UserError(
            f"{src_name} and {tgt_name}: the <seg id> sequences differ; the files are not aligned"
        )
    return zip_line_pairs([s for _, s in src_segs], [t for _, t in tgt_segs], src_name, tgt_name)


def _iwslt_test_sets(test_set) -> list[str]:
    if test_set is None:
        return list(IWSLT_TEST_SETS)
    chosen = test_set.split("+") if isinstance(test_set, str) else list(test_set)
    bad = [t for t in chosen if t not in (IWSLT_VALID, *IWSLT_TEST_SETS)]
    if bad or not chosen:
        raise UserError(f"IWSLT test sets are {', '.join(IWSLT_TEST_SETS)} (got {test_set!r})")
    return chosen


def _iwslt_member_names(test_sets: Sequence[str]) -> list[str]:
    names = ["train.tags.en-fr.en", "train.tags.en-fr.fr"]
    for part in (IWSLT_VALID, *test_sets):
        names += [f"IWSLT14.TED.{part}.en-fr.en.xml", f"IWSLT14.TED.{part}.en-fr.fr.xml"]
    return names


def _read_iwslt_files(spec, names: Sequence[str], data_dir, download, progress) -> dict[str, bytes]:
    """File contents by base name, from an extracted folder or from en-fr.tgz."""
    marker = _find_file(spec.name, ("train.tags.en-fr.en", "en-fr/train.tags.en-fr.en"), data_dir)
    if marker is not None:
        root = marker.parent
        missing = [n for n in names if not (root / n).is_file()]
        if missing:
            raise UserError(f"{root}: missing {', '.join(missing)} from the IWSLT 2014 en-fr release")
        return {n: (root / n).read_bytes() for n in names}
    (archive,) = _locate_all(spec, [(IWSLT_ARCHIVE,)], data_dir, download, progress)
    return _read_tgz_members(archive, names)


def _read_tgz_members(archive: Path, names: Sequence[str]) -> dict[str, bytes]:
    # One sequential pass: random access into a .tgz would decompress it again per file.
    found: dict[str, bytes] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in names and base not in found:
                    found[base] = tar.extractfile(member).read()
    except (tarfile.TarError, OSError, EOFError) as err:
        raise UserError(f"{archive}: damaged archive ({err}); delete it and download again") from None
    missing = [n for n in names if n not in found]
    if missing:
        raise UserError(f"{archive}: missing {', '.join(missing)}; is this the IWSLT 2014 en-fr release?")
    return found


def _load_iwslt(spec, data_dir, download, progress, test_set) -> Split:
    """English-French Split (the caller swaps sides for fr->en)."""
    test_sets = _iwslt_test_sets(test_set)
    files = _read_iwslt_files(spec, _iwslt_member_names(test_sets), data_dir, download, progress)

    def xml_pairs(part: str) -> list[Pair]:
        en, fr = f"IWSLT14.TED.{part}.en-fr.en.xml", f"IWSLT14.TED.{part}.en-fr.fr.xml"
        return _pair_xml(files[en], files[fr], en, fr)

    en, fr = "train.tags.en-fr.en", "train.tags.en-fr.fr"
    train = parse_iwslt_train(files[en], files[fr], en, fr)
    test = [pair for part in test_sets for pair in xml_pairs(part)]
    return split_given(train, xml_pairs(IWSLT_VALID), test)
