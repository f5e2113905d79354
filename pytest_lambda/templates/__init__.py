"""Template internals: CloudFormation intrinsics, Serverless variables (API: ``template``)."""
