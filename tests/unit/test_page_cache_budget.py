from app.cache import CachedPage, PageCache


def page(size: int, version: tuple = (1,)) -> CachedPage:
    return CachedPage(version, b"x" * size, "text/html")


def test_the_least_recently_served_pages_go_once_the_bytes_pass_the_budget():
    cache = PageCache(max_bytes=1000)
    cache.put("/a", page(400))
    cache.put("/b", page(400))
    assert cache.get("/a", (1,)) is not None  # /b is now the least recently served
    cache.put("/c", page(400))
    assert cache.peek("/b") is None
    assert cache.peek("/a") is not None and cache.peek("/c") is not None
    assert cache.body_bytes == 800


def test_storing_a_page_again_counts_its_bytes_once():
    cache = PageCache(max_bytes=1000)
    for _ in range(50):
        cache.put("/same", page(600))
    cache.put("/other", page(300))
    assert len(cache) == 2
    assert cache.body_bytes == 900


def test_a_page_larger_than_the_budget_is_not_kept_and_evicts_nothing():
    cache = PageCache(max_bytes=1000)
    cache.put("/kept", page(500))
    cache.put("/huge", page(1001))
    assert cache.peek("/huge") is None
    assert cache.peek("/kept") is not None
    assert cache.body_bytes == 500


def test_the_entry_limit_still_holds_for_small_pages():
    cache = PageCache(max_entries=3, max_bytes=1000)
    for number in range(5):
        cache.put(f"/{number}", page(10))
    assert [key for key in ("/0", "/1", "/2", "/3", "/4") if cache.peek(key)] == ["/2", "/3", "/4"]
    assert cache.body_bytes == 30


def test_clearing_empties_the_count_of_bytes_too():
    cache = PageCache(max_bytes=1000)
    cache.put("/a", page(700))
    cache.clear()
    cache.put("/b", page(700))
    assert cache.peek("/b") is not None
    assert cache.body_bytes == 700
