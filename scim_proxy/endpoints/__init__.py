"""Thin Starlette handlers: decode -> map -> call JumpCloud -> encode."""
