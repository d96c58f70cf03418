"""What a run writes, one plugin each, fed by the results (results.py) and registered only where it writes: the
console summary, the HTML report and its summary page, and the JSON Lines of --results."""
