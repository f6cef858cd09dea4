// x
// z
// z
// z
