from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchNearbyRequest(_message.Message):
    __slots__ = ("latitude", "longitude", "radius", "limit", "store_category", "pickup_category")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    RADIUS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STORE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PICKUP_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    radius: int
    limit: int
    store_category: str
    pickup_category: str
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., radius: _Optional[int] = ..., limit: _Optional[int] = ..., store_category: _Optional[str] = ..., pickup_category: _Optional[str] = ...) -> None: ...

class SearchNearbyResponse(_message.Message):
    __slots__ = ("entries", "total_count")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COUNT_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[LocationEntry]
    total_count: int
    def __init__(self, entries: _Optional[_Iterable[_Union[LocationEntry, _Mapping]]] = ..., total_count: _Optional[int] = ...) -> None: ...

class LocationEntry(_message.Message):
    __slots__ = ("id", "name", "road_address", "latitude", "longitude", "distance_km", "distance_text", "store_category", "pickup_categories", "is_open", "phone")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROAD_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_KM_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_TEXT_FIELD_NUMBER: _ClassVar[int]
    STORE_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PICKUP_CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    IS_OPEN_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    road_address: str
    latitude: float
    longitude: float
    distance_km: float
    distance_text: str
    store_category: str
    pickup_categories: _containers.RepeatedScalarFieldContainer[str]
    is_open: bool
    phone: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., road_address: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., distance_km: _Optional[float] = ..., distance_text: _Optional[str] = ..., store_category: _Optional[str] = ..., pickup_categories: _Optional[_Iterable[str]] = ..., is_open: _Optional[bool] = ..., phone: _Optional[str] = ...) -> None: ...
