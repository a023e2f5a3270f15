"""Read-only analysis over the reported figures: the composite e-commerce development index."""
