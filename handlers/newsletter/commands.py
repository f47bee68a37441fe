from handlers.registry import Registry


def register(registry: Registry) -> None:
    del registry

