"""The seed documents: their case files, the notes beside them, their networks and reports.

The case files (``*.toml`` here) hold the documents' numbers and formulas; ``chaingrad
verify`` judges them, and ``chaingrad demo`` reads them. One module per idea:

- `casefiles`: where the case files are, the notes beside them (``notes/notes.toml``) and
  the case files' names in the documents' notation;
- `reports`: a document's report, built on verify's `VerifyResult`;
- `seed000`, `seed001`: those documents' networks built from their case files, and their
  reports; `seed004`: seed 004's batch analysis, its matrix formulas read several ways;
- `catalog`: each document's network, ready to build and draw (``chaingrad draw``).
"""
