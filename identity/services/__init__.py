"""The product's rules, one home each; every face calls these functions."""
