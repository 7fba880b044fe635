"""The joint procurement office's running costs shared among the wards (共同調達組織の運営費負担金):
per fiscal year, cost items split by weights (default equal 4 : population 6, seed 004), with a
minimum-saving guarantee against each ward's standalone amount. Pure sharing in
costshares.sharing; use cases in costshares.service; pages in costshares.views."""
