"""The papers made from an application: PDFs rendered (``render``) and the public facts of an
issued document (``verification``). Signing is ``cases.signing``."""
