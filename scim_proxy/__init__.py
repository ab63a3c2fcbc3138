"""scim-proxy: a SCIM 2.0 bridge from Microsoft Entra ID to JumpCloud."""

__version__ = "0.1.0"
