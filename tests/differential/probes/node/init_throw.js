// Init failure: an Error thrown at module level, after some init output.
console.log("initialising");
throw new Error("configuration missing at init");
