"""Language analysis of the normalised text: recognisers (dates, numbers, document numbers) and the tokeniser."""
