"""The e-commerce service network: stations at three levels and the coverage they give."""
