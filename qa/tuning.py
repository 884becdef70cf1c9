"""Every tuning constant of the answering stages, in one place.

Chosen on the dev split only (``policyqa eval --split dev``); the test split is never used to set them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # Retrieval
    rrf_k: int = 60  # reciprocal-rank fusion constant (the usual 60)
    blend_dense_weight: float = 0.5  # score-blend fusion: share of the dense score
    candidate_pool: int = 50  # passages each retriever returns before fusion
    # Evidence
    evidence_passages: int = 8  # top passages whose sentences become candidates
    clause_min_chars: int = 6  # shorter pieces are not statements
    long_sentence_chars: int = 90  # longer sentences are also scored clause by clause
    clause_share: float = 0.5  # in a long sentence, clauses with this share of the best clause's words count
    context_share: float = 0.35  # weight of terms found only in a passage's title/section
    fit_bonus: float = 0.25  # a clause that holds what is asked (a figure with a fitting unit, a date, ...)
    qualifier_penalty: float = (
        0.6  # a clause whose year or ordinal contradicts the question's is multiplied by 1 - this
    )
    rank_decay: float = 0.5  # candidate score x 1 / rank ** rank_decay
    # A sentence's cosine to the question, mapped from [dense_floor, dense_ceiling] onto [0, 1] (e5 cosines
    # crowd into 0.8-0.95), adds dense_weight x that to its score.
    dense_floor: float = 0.86
    dense_ceiling: float = 0.94
    dense_weight: float = 0.5
    # English questions meet Chinese sentences across languages, where the model's cosines run lower.
    dense_floor_en: float = 0.84
    dense_ceiling_en: float = 0.90
    sibling_share: float = 0.5  # a question word this heavy (share of the heaviest) names what a sentence must
    # speak of, not a sibling of it (evidence.names_a_sibling)
    # Answer
    max_lines: int = 3  # statements in a plain answer
    max_list_lines: int = 6  # statements when a list is asked for
    max_part_lines: int = 2  # statements for each part of a many-part question
    keep_ratio: float = 0.7  # further statements must score at least this share of the best
    keep_ratio_list: float = 0.55
    # Judge
    min_focus: float = 0.45  # share of the question's content terms the answering sentence and its context hold
    min_focus_en: float = 0.30  # ... for an English question, whose words reach the documents through a dictionary
    min_meaning: float = 0.65  # ... or this close in meaning (0-1 scale above) when asking for a figure
    min_shared: float = 0.2  # ... with at least this share of the words
    min_open_shared: float = 0.1  # open questions matched by meaning: this share of the words at least
    topic_margin: float = 0.25  # a value found this far (in word coverage) below the closest sentence is not it
    min_dense: float = 0.80  # cosine of the best passage to the question (dense runs only)
    single_char_share: float = 0.5  # weight of a one-character Chinese word, as a share of its own
    synonyms: bool = True  # a question word also counts where the documents use its dictionary synonym
    synonyms_in_search: bool = True  # ... and that synonym (the best one) is searched for too
    oov_filler_share: float = 0.2  # weight of a word the documents never use, as a share of the highest IDF
    max_parts: int = 4  # sub-questions answered separately


DEFAULT_TUNING = Tuning()
