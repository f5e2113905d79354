// A valid module; the case configures the handler string without a dot ("index").
exports.handler = async () => "unreachable";
