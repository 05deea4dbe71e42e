// A receiver module that forgot its factory: a port's workers must refuse to start with it.
export function receiverFactory() {
  return undefined;
}
