"""Trusts and local authorities: one roll-up of released figures across their schools."""
