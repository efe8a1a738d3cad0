"""Submission writers, one per file format, each validating before it writes."""

from submissions.formats import LabelJSON, ProbabilityCSV, SubmissionFormat

__all__ = ["LabelJSON", "ProbabilityCSV", "SubmissionFormat"]
