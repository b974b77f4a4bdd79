// The program sokei_layer_check links a domain library into (whole): it only has to link.
int main() { return 0; }
