"""Chinese cities for the synthetic marketplace: coordinates, province, population weight, and
whether the city is one of the few regions where counterfeit production concentrates."""

from __future__ import annotations

import pandas as pd

__all__ = ["CITIES"]

# city, province, lat, lon, weight (rough urban population, millions), production hub
_ROWS = [
    ("Guangzhou", "Guangdong", 23.13, 113.26, 18.8, True),
    ("Shenzhen", "Guangdong", 22.54, 114.06, 17.6, True),
    ("Dongguan", "Guangdong", 23.02, 113.75, 10.5, True),
    ("Shantou", "Guangdong", 23.35, 116.68, 5.5, True),
    ("Foshan", "Guangdong", 23.02, 113.12, 9.5, False),
    ("Putian", "Fujian", 25.45, 119.01, 3.2, True),
    ("Quanzhou", "Fujian", 24.87, 118.68, 8.8, True),
    ("Xiamen", "Fujian", 24.48, 118.09, 5.2, False),
    ("Fuzhou", "Fujian", 26.07, 119.30, 8.3, False),
    ("Jinhua", "Zhejiang", 29.08, 119.65, 7.1, True),
    ("Wenzhou", "Zhejiang", 28.00, 120.67, 9.6, True),
    ("Hangzhou", "Zhejiang", 30.27, 120.16, 12.2, False),
    ("Ningbo", "Zhejiang", 29.87, 121.55, 9.6, False),
    ("Shanghai", "Shanghai", 31.23, 121.47, 24.9, False),
    ("Beijing", "Beijing", 39.90, 116.41, 21.9, False),
    ("Tianjin", "Tianjin", 39.13, 117.20, 13.9, False),
    ("Chongqing", "Chongqing", 29.56, 106.55, 32.1, False),
    ("Chengdu", "Sichuan", 30.57, 104.07, 21.2, False),
    ("Wuhan", "Hubei", 30.59, 114.31, 13.7, False),
    ("Xi'an", "Shaanxi", 34.34, 108.94, 13.0, False),
    ("Nanjing", "Jiangsu", 32.06, 118.80, 9.4, False),
    ("Suzhou", "Jiangsu", 31.30, 120.59, 12.9, False),
    ("Changsha", "Hunan", 28.23, 112.94, 10.4, False),
    ("Zhengzhou", "Henan", 34.75, 113.63, 12.8, False),
    ("Jinan", "Shandong", 36.65, 117.12, 9.4, False),
    ("Qingdao", "Shandong", 36.07, 120.38, 10.3, False),
    ("Shenyang", "Liaoning", 41.81, 123.43, 9.1, False),
    ("Harbin", "Heilongjiang", 45.80, 126.53, 9.9, False),
    ("Kunming", "Yunnan", 25.04, 102.71, 8.5, False),
    ("Nanning", "Guangxi", 22.82, 108.37, 8.8, False),
    ("Hefei", "Anhui", 31.82, 117.23, 9.6, False),
    ("Nanchang", "Jiangxi", 28.68, 115.86, 6.4, False),
    ("Shijiazhuang", "Hebei", 38.04, 114.51, 11.2, False),
    ("Taiyuan", "Shanxi", 37.87, 112.55, 5.4, False),
    ("Guiyang", "Guizhou", 26.65, 106.63, 6.0, False),
    ("Lanzhou", "Gansu", 36.06, 103.83, 4.4, False),
    ("Urumqi", "Xinjiang", 43.83, 87.62, 4.1, False),
    ("Hohhot", "Inner Mongolia", 40.84, 111.75, 3.5, False),
    ("Haikou", "Hainan", 20.04, 110.20, 2.9, False),
    ("Changchun", "Jilin", 43.82, 125.32, 9.1, False),
]

CITIES = pd.DataFrame(_ROWS, columns=["city", "province", "lat", "lon", "weight", "production"])
