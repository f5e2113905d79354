// Init failure when the configured handler names an export this module does not have.
exports.other = async () => "not the handler";
